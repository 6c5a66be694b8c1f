# CurveZMQ on every socket: a second stack, started as docker-compose runs it (intake,
# the event stream and the stats stream with CURVE, each daemon with its own client key), and
# probes with registered, unregistered, misplaced and missing keys. The department socket's keys
# are tested in t_departments and t_hostile.
# shellcheck shell=bash
probe() { timeout -k 5 20 /usr/bin/python3 tests/integration/curve_probe.py "$@"; }

main_var=$GC_VAR main_intake=$GC_INTAKE_URL
# ports 28000-31999: clear of the other runners' and below the kernel's ephemeral range (32768-)
export GC_VAR="$main_var/curve" GC_PORT_BASE=$((GC_PORT_BASE + 8000)) GC_CURVE=1
curve_down() { GC_VAR="$main_var/curve" deploy/stack.sh down > /dev/null 2>&1; }
trap curve_down EXIT
if deploy/stack.sh up "$bin" > "$main_var/curve-up.log" 2>&1; then ok "a stack with CURVE on every socket starts"
else not_ok "a stack with CURVE on every socket starts" "$(tail -5 "$main_var/curve-up.log")"; fi
# shellcheck disable=SC1091
. "$GC_VAR/env"
keys=$GC_VAR/keys log=$GC_VAR/log

# ---- the daemons follow the event stream with their own keys ---------------------------------
for d in routing escalation stats; do
    wait_for "$d follows the event stream with its own key" 10 \
        grep -q "msg=\"events: $d authenticated\"" "$log/intake.log"
done
expect_eq "no socket runs plain: each bound socket says CURVE, none warns" \
    "$(cat "$log"/*.log | grep -c ': CURVE, server key') $(cat "$log"/*.log | grep -c WARNING)" "4 0"

# ---- a case goes all the way through CURVE ---------------------------------------------------
nonce="curve-secret-$RANDOM$RANDOM"
probe relay $((GC_PORT_BASE + 9)) $((GC_PORT_BASE + 1)) "$GC_VAR/wire.bin" 6 &
relay=$!
sleep 0.5
ref=$(GC_INTAKE_URL="tcp://127.0.0.1:$((GC_PORT_BASE + 9))" gridctl submit --category drain_cover \
    --grid 4101010101 --desc "井盖 $nonce" --reporter "王$nonce" --phone 13800000000)
wait "$relay"
expect_eq "gridctl submits through CURVE (relayed)" "$(case_field "$ref" .description)" "井盖 $nonce"
expect_eq "the relayed bytes hold none of the case's text: it was encrypted" \
    "$(test -s "$GC_VAR/wire.bin" && grep -c "$nonce" "$GC_VAR/wire.bin")" "0"
wait_for "routing routes it (it heard the doorbell over CURVE or polled)" 10 field_is "$ref" .status routed
wait_for "stats counts it and publishes over CURVE" 10 stat_is 4101010101 reported 1
# the same relay before the plain stack of the other tests shows the text, so the check above can
# fail (a submission to a grid that does not exist: refused, it changes nothing there)
probe relay $((GC_PORT_BASE + 8)) "${main_intake##*:}" "$GC_VAR/wire-plain.bin" 4 &
relay=$!
sleep 0.5
env -u GC_INTAKE_SERVER_KEY -u GC_CLIENT_KEY_FILE GC_INTAKE_URL="tcp://127.0.0.1:$((GC_PORT_BASE + 8))" \
    gridctl submit --category drain_cover --grid 9999999999 --desc "plain $nonce" > /dev/null 2>&1
wait "$relay"
expect_eq "(control: the plain stack's bytes do hold it)" "$(grep -c "$nonce" "$GC_VAR/wire-plain.bin")" "1"

# ---- who is let in ---------------------------------------------------------------------------
stranger_public=$(gridctl keygen "$keys/stranger.key")
gridctl client add dashboard --sockets stats --key "$keys/dashboard.key" > /dev/null
expect_eq "intake answers a registered client" "$(probe dealer "$GC_INTAKE_URL" "$GC_INTAKE_SERVER_KEY" "$keys/client-gridctl.key")" answered
expect_eq "intake refuses a client without CURVE" "$(probe dealer "$GC_INTAKE_URL" "$GC_INTAKE_SERVER_KEY" plain)" silent
expect_eq "intake refuses an unknown key" "$(probe dealer "$GC_INTAKE_URL" "$GC_INTAKE_SERVER_KEY" "$keys/stranger.key")" silent
expect_eq "intake refuses a key registered for other sockets only" "$(probe dealer "$GC_INTAKE_URL" "$GC_INTAKE_SERVER_KEY" "$keys/dashboard.key")" silent
expect_eq "intake refuses a department's key (departments use their own socket)" "$(probe dealer "$GC_INTAKE_URL" "$GC_INTAKE_SERVER_KEY" "$keys/municipal.key")" silent
expect_eq "a client that has the wrong server key gets nothing" "$(probe dealer "$GC_INTAKE_URL" "$GC_STATS_SERVER_KEY" "$keys/client-gridctl.key")" silent
expect_eq "intake logs why it refused, at warn, naming the key" \
    "$(grep -c 'level=warn .*msg="intake: connection refused: unknown key ' "$log/intake.log") $(grep -Fc "intake: connection refused: unknown key $stranger_public\"" "$log/intake.log") $(grep -c "level=warn .*intake: connection refused: dashboard's key .* is not allowed on this socket" "$log/intake.log")" "2 1 1"
expect_eq "the stats stream reaches a dashboard's key" "$(probe sub "$GC_STATS_URL" "$GC_STATS_SERVER_KEY" "$keys/dashboard.key" 3)" received
expect_eq "the stats stream refuses an unknown key" "$(probe sub "$GC_STATS_URL" "$GC_STATS_SERVER_KEY" "$keys/stranger.key" 2)" silent
expect_eq "the stats stream refuses a plain subscriber" "$(probe sub "$GC_STATS_URL" "$GC_STATS_SERVER_KEY" plain 2)" silent
( sleep 1; gridctl submit --category street_light --grid 4101010101 --desc "for the event probes" > /dev/null 2>&1 ) &
expect_eq "the event stream reaches a key registered for it" "$(probe sub "$GC_EVENTS_URL" "$GC_INTAKE_SERVER_KEY" "$keys/client-routing.key" 4)" received
wait
( sleep 1; gridctl submit --category street_light --grid 4101010101 --desc "for the event probes" > /dev/null 2>&1 ) &
expect_eq "the event stream refuses the dashboard's key" "$(probe sub "$GC_EVENTS_URL" "$GC_INTAKE_SERVER_KEY" "$keys/dashboard.key" 4)" silent
wait
expect_ok "gridctl client remove" gridctl client remove dashboard
expect_eq "a removed client is refused at its next connection" "$(probe sub "$GC_STATS_URL" "$GC_STATS_SERVER_KEY" "$keys/dashboard.key" 2)" silent
expect_eq "gridctl client list names the rest" "$(gridctl client list --json | jq -r '[.[] | .name + ":" + .sockets] | join(" ")')" \
    "board:stats escalation:events gridctl:intake,events,stats open311:intake routing:events stats:events"
expect_fail "gridctl client add refuses an unknown socket" "unknown socket 'dept'" \
    gridctl client add x --sockets intake,dept --key "$keys/x.key"
expect_fail "gridctl without its key says which setting is missing" "GC_CLIENT_KEY_FILE" \
    env GC_CLIENT_KEY_FILE= gridctl submit --category drain_cover --grid 4101010101 --desc x
started=$SECONDS
expect_fail "gridctl with an unregistered key is told intake refused it, not 'no reply'" \
    "authentication refused by intake at $GC_INTAKE_URL (unknown key?)" \
    env GC_CLIENT_KEY_FILE="$keys/stranger.key" gridctl submit --category drain_cover --grid 4101010101 --desc x
expect_ok "at once, without the three resends" test $((SECONDS - started)) -le 5

# ---- settings: bad keys stop a daemon with status 2, naming the setting ------------------------
refusal() {
    local name=$1 pattern=$2 d=$3 out rc
    shift 3
    out=$(env -i PATH="$PATH" GC_PG_DSN="$GC_PG_DSN" GC_DEPT_SECRET_KEY_FILE="$keys/dept-server.key" \
        GC_INTAKE_BIND=tcp://127.0.0.1:$((GC_PORT_BASE + 9)) GC_EVENTS_BIND=tcp://127.0.0.1:$((GC_PORT_BASE + 8)) \
        GC_DEPT_BIND=tcp://127.0.0.1:$((GC_PORT_BASE + 9)) GC_STATS_BIND=tcp://127.0.0.1:$((GC_PORT_BASE + 9)) \
        GC_METRICS_BIND=off "$@" timeout -k 5 10 "gc-$d" 2>&1 < /dev/null)
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$pattern" <<<"$out"; then ok "$name"
    else not_ok "$name" "status $rc, expected 2 and '$pattern' in: $out"; fi
}
refusal "gc-intake refuses a missing GC_INTAKE_SECRET_KEY_FILE" "GC_INTAKE_SECRET_KEY_FILE" intake \
    GC_INTAKE_SECRET_KEY_FILE="$keys/none.key"
echo "not a key" > "$keys/bad.key"
refusal "gc-stats refuses a GC_STATS_SECRET_KEY_FILE that holds no key" "GC_STATS_SECRET_KEY_FILE" stats \
    GC_STATS_SECRET_KEY_FILE="$keys/bad.key"
for d in routing escalation stats; do
    refusal "gc-$d refuses GC_INTAKE_SERVER_KEY without GC_CLIENT_KEY_FILE" "GC_CLIENT_KEY_FILE" "$d" \
        GC_INTAKE_SERVER_KEY="$GC_INTAKE_SERVER_KEY"
done
refusal "gc-escalation refuses a GC_INTAKE_SERVER_KEY that is not a key" "GC_INTAKE_SERVER_KEY" escalation \
    GC_INTAKE_SERVER_KEY=short GC_CLIENT_KEY_FILE="$keys/client-escalation.key"

# ---- plain beyond loopback warns, naming the setting that would fix it -----------------------
out=$(env -i PATH="$PATH" GC_PG_DSN="host=127.0.0.1 port=1 connect_timeout=1" GC_METRICS_BIND=off \
    GC_EVENTS_URL="tcp://127.0.0.1:$((GC_PORT_BASE + 2))" GC_STATS_BIND="tcp://0.0.0.0:$((GC_PORT_BASE + 9))" \
    timeout -k 5 2 gc-stats 2>&1)
expect_eq "plain on 0.0.0.0: a loud warning naming GC_STATS_SECRET_KEY_FILE" \
    "$(grep -c 'WARNING: the statistics stream on tcp://0.0.0.0:.* is NOT ENCRYPTED.*Set GC_STATS_SECRET_KEY_FILE' <<<"$out")" 1
out=$(env -i PATH="$PATH" GC_PG_DSN="host=127.0.0.1 port=1 connect_timeout=1" GC_METRICS_BIND=off \
    GC_EVENTS_URL="tcp://127.0.0.1:$((GC_PORT_BASE + 2))" GC_STATS_BIND="tcp://0.0.0.0:$((GC_PORT_BASE + 9))" \
    GC_STATS_SECRET_KEY_FILE="$keys/stats-server.key" timeout -k 5 2 gc-stats 2>&1)
expect_eq "with its key on 0.0.0.0: CURVE and no warning" \
    "$(grep -c 'WARNING' <<<"$out") $(grep -c 'the statistics stream on tcp://0.0.0.0:[0-9]*: CURVE' <<<"$out")" "0 1"

curve_down
trap - EXIT
