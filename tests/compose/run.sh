#!/usr/bin/env bash
# docker-compose.yml for real: a district IT team's first day, as deploy/README.md tells it. A
# container engine of the test's own (podman serving the Docker API, tests/compose/engine.sh,
# every bit of its state under STATE), docker-compose as shipped by Debian, and the guide's
# command blocks marked `<!-- compose-check: NAME -->` run as written, in a copy of the
# repository's files (what an operator clones), with only the values an operator chooses set
# here: the published address and ports, the backup directory. Then, from the host through the
# published ports: the migrate job ended before any daemon started and every service is
# healthy; a case goes over CurveZMQ from a registered client to a department client with that
# department's key, is accepted, resolved, verified and counted in /metrics and on the stats
# stream; the containers run as UID 10001 without capabilities on a read-only file system and
# each secret is readable by its user only; each daemon killed with SIGKILL comes back healthy
# and a case submitted meanwhile with retries is stored once; `down` and `up` keep every case; a
# backup restored as the guide says into a new volume gives the same counts and timelines; and
# `docker-compose stop` ends every container with status 0 within its grace period.
# Usage: tests/compose/run.sh BIN_DIR (gridctl for the host-side clients). TAP-style lines and
# the seconds of each phase; exits non-zero on any failure.
# Settings: GC_COMPOSE_STATE (default var/compose: the engine's storage, which keeps the images
# between runs, and the installation), GC_COMPOSE_PORT_BASE (default 24100: BASE+1 intake,
# +3 departments, +4 stats, +5 /metrics, +6 the board, +7 the Open311 gateway).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
bin=$(cd "${1:?usage: tests/compose/run.sh BIN_DIR}" && pwd)
export PATH="$bin:$PATH"
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
# shellcheck source=tests/compose/engine.sh
. tests/compose/engine.sh
state=${GC_COMPOSE_STATE:-$repo/var/compose}
mkdir -p "$state"
state=$(cd "$state" && pwd)
site=$state/site
logs=$state/log
base=${GC_COMPOSE_PORT_BASE:-24100}
hc_pid=""
started=$SECONDS

# ---- phases, with their seconds ----------------------------------------------------------------
phase_name="" phase_start=$SECONDS
declare -a timings=()
phase() {
    [ -n "$phase_name" ] && timings+=("$phase_name=$((SECONDS - phase_start))s") &&
        echo "# phase $phase_name: $((SECONDS - phase_start)) s"
    phase_name=$1 phase_start=$SECONDS
    [ -n "$1" ] && echo "# phase $1"
    return 0
}

# ---- the engine and the stack, stopped whatever happens ----------------------------------------
compose() { (cd "$site" && docker-compose "$@"); }
cleanup() {
    if [ -f "$site/docker-compose.yml" ] && [ -S "${DOCKER_HOST#unix://}" ]; then
        compose logs --no-color -t > "$logs/compose.log" 2>&1
        compose down -v -t 10 > "$logs/down.log" 2>&1
    fi
    if [ -n "$hc_pid" ]; then kill -TERM "$hc_pid" 2>/dev/null; wait "$hc_pid" 2>/dev/null; fi
    # whatever a failed run left in this engine's own storage (nothing else is in it); the
    # images stay: the next run's cache
    podman rm -af -t 5 > /dev/null 2>&1
    podman volume rm -af > /dev/null 2>&1
    engine_stop "$state"
    echo "# the engine's storage (images kept for the next run): $(du -sh "$state/storage" 2> /dev/null | tail -n 1 | cut -f1)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# api PATH: a GET on the engine's Docker API (what docker-compose sees)
api() { curl -sf --unix-socket "${DOCKER_HOST#unix://}" "http://engine/v1.41$1"; }
# cid SERVICE: the container of SERVICE in this project
cid() {
    api "/containers/json?all=1" | jq -r --arg s "$1" --arg p "$project" \
        '.[] | select(.Labels["com.docker.compose.service"] == $s and .Labels["com.docker.compose.project"] == $p and (.Labels["com.docker.compose.oneoff"] // "False") == "False") | .Id' | head -n 1
}
inspect() { api "/containers/$(cid "$1")/json" | jq -r "$2"; }
healthy() { [ "$(inspect "$1" .State.Health.Status)" = healthy ]; }
all_healthy() { local s; for s in "${services[@]}"; do healthy "$s" || return 1; done; }
ns() { date -d "$1" +%s%N; }
# psql_q QUERY: one value, as the schema owner inside the postgres container (podman exec: the
# same as `docker-compose exec -T postgres`, without starting docker-compose for each query)
psql_q() { podman exec -i "$(cid postgres)" psql -U gridcase -d gridcase -tAc "$1" < /dev/null; }
# show REF: gridctl show --json through the compose gridctl service (PostgreSQL is not published)
show() { compose run --rm -T gridctl show "$1" --json 2>/dev/null; }

# guide_block NAME: the shell block marked `<!-- compose-check: NAME -->` in deploy/README.md
guide_block() {
    awk -v name="$1" '
        $0 ~ "<!-- compose-check: " name " -->" { want = 1; next }
        want && !inside && /^ *```sh *$/ { inside = 1; match($0, /^ */); indent = RLENGTH; next }
        inside && /^ *``` *$/ { exit }
        inside { print substr($0, indent + 1) }' "$repo/deploy/README.md"
}
# run_block NAME [SED_EXPRESSION]: runs the guide's block NAME in the installation directory,
# with bash -e (a failing command fails the block); SED_EXPRESSION sets a value the guide leaves
# to the operator
run_block() {
    local name=$1 file=$state/blocks/$1.sh t0=$SECONDS out
    mkdir -p "$state/blocks"
    guide_block "$name" > "$file"
    [ -n "${2:-}" ] && sed -i -e "$2" "$file"
    if [ ! -s "$file" ]; then not_ok "the guide's block '$name' exists"; return 1; fi
    out=$logs/block-$name.log
    # traced with the time of each command: where a slow block spends its time (PS4 set inside:
    # bash run by root does not take it from the environment)
    # shellcheck disable=SC2016 # expanded by the inner bash
    if (cd "$site" && bash -euo pipefail -c 'PS4="+ \$(date +%T) "; set -x; . "$1"' block "$file") \
            > "$out" 2>&1; then
        ok "the guide's '$name' block runs as written ($((SECONDS - t0)) s)"
    else
        not_ok "the guide's '$name' block runs as written" "$(tail -n 15 "$out")"
        return 1
    fi
}
# set_env NAME VALUE: NAME=VALUE in the installation's .env, as an operator edits it
set_env() { sed -i "s|^$1=.*|$1=$2|" "$site/.env"; grep -q "^$1=" "$site/.env" || echo "$1=$2" >> "$site/.env"; }
bail() { echo "# stopping here: $1"; exit 1; }

# ---- the engine -------------------------------------------------------------------------------
phase engine
engine_env "$state"
mkdir -p "$logs"
export TMPDIR=$state/tmp
# a run killed before its cleanup may have left its service: ours by its pid file only
engine_stop "$state"
engine_start "$state" || bail "no engine"
podman rm -af -t 5 > /dev/null 2>&1
podman volume rm -af > /dev/null 2>&1
ok "podman $(podman version --format '{{.Client.Version}}') serves the Docker API ($(podman info --format '{{.Host.OCIRuntime.Name}}'), storage in $state); docker-compose $(docker-compose version --short)"

# ---- the installation: the repository's files, as cloned ----------------------------------------
phase install
rm -rf "$site"
mkdir -p "$site"
git ls-files -co --exclude-standard -z | tar --null -T - -c | tar -C "$site" -x
run_block copy || bail "no installation"
project=$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' "$site/.env")
set_env GC_PUBLISH_IP 127.0.0.1
set_env GC_INTAKE_PORT $((base + 1))
set_env GC_DEPT_PORT $((base + 3))
set_env GC_STATS_PORT $((base + 4))
set_env GC_METRICS_PORT $((base + 5))
set_env GC_BOARD_PORT $((base + 6))
set_env GC_OPEN311_PORT $((base + 7))
expect_eq "the project's name comes from .env.example" "$project" "gridcase"
# the health checks: podman has no systemd here to run them (the guide's podman note)
deploy/podman-healthchecks.sh "$project" > "$logs/healthchecks.log" 2>&1 &
hc_pid=$!

phase images
cached=$(podman image exists debian:bookworm-slim && podman image exists postgres:15-bookworm && echo cached || echo "from nothing")
echo "# base images: $cached"
run_block images || bail "no images"
expect_eq "the gridcase image runs as UID 10001" \
    "$(api /images/gridcase:latest/json | jq -r .Config.User)" "10001:10001"

phase secrets
run_block secrets || bail "no secrets"
run_block dept-keys || bail "no department key"
expect_eq "the secrets directory is its owner's only" "$(command stat -c %a "$site/secrets")" "700"
expect_eq "no secret file is readable by others on the host (the public keys are public)" \
    "$(find "$site/secrets" -type f ! -name '*_public_key' ! -name '*.pub' -perm /o=r | wc -l)" "0"
expect_eq "the department's public key is in district.json" \
    "$(jq -r '.departments[] | select(.code == "municipal") | .public_key | length' "$site/district.json")" "40"
# (a Z85 key may hold "$" and "#": .env takes the value as it is)
expect_eq "routing's public key reaches the compose gridctl through .env as it is" \
    "$(compose run --rm -T --no-deps --entrypoint sh gridctl -c 'printf %s "$GC_DEPT_SERVER_KEY"' 2> /dev/null)" \
    "$(cat "$site/secrets/dept_server_public_key")"

# ---- first start ------------------------------------------------------------------------------
phase up
run_block start || bail "the stack did not start"
services=(postgres intake routing escalation stats board open311)
daemons=(intake routing escalation stats board open311)
wait_for "every service is healthy" 120 all_healthy
expect_eq "migrate exited 0" "$(inspect migrate '.State.Status + " " + (.State.ExitCode | tostring)')" "exited 0"
migrate_end=$(ns "$(inspect migrate .State.FinishedAt)")
late=""
for d in "${daemons[@]}"; do
    [ "$(ns "$(inspect "$d" .State.StartedAt)")" -gt "$migrate_end" ] || late="$late $d"
done
expect_eq "the migrate job finished before any daemon started" "$late" ""
expect_eq "the guide's first case was stored and routed" \
    "$(psql_q "SELECT status FROM cases WHERE description = '安装测试'")" "routed"
expect_eq "only the ports the guide names are published, on the address .env gives" \
    "$(for s in "${services[@]}"; do inspect "$s" '.NetworkSettings.Ports // {} | .[] | .[]? | "\(.HostIp):\(.HostPort)"'; done | sort | tr '\n' ' ' | sed 's/ $//')" \
    "127.0.0.1:$((base + 1)) 127.0.0.1:$((base + 3)) 127.0.0.1:$((base + 4)) 127.0.0.1:$((base + 5)) 127.0.0.1:$((base + 6)) 127.0.0.1:$((base + 7))"

# ---- a case's whole life, from the host ---------------------------------------------------------
phase case
run_block clients || bail "no client keys"
intake_client=(GC_INTAKE_URL="tcp://127.0.0.1:$((base + 1))"
               GC_INTAKE_SERVER_KEY="$(cat "$site/secrets/intake_server_public_key")"
               GC_CLIENT_KEY_FILE="$site/client-keys/hotline-bridge.key")
# people's commands come from the grid workers' application: the hotline bridge may only submit
people_client=(GC_INTAKE_URL="tcp://127.0.0.1:$((base + 1))"
               GC_INTAKE_SERVER_KEY="$(cat "$site/secrets/intake_server_public_key")"
               GC_CLIENT_KEY_FILE="$site/client-keys/grid-app.key")
dept_client=(GC_DEPT_URL="tcp://127.0.0.1:$((base + 3))"
             GC_DEPT_SERVER_KEY="$(cat "$site/secrets/dept_server_public_key")"
             GC_DEPT_KEYS_DIR="$site/dept-keys")
stats_client=(GC_STATS_URL="tcp://127.0.0.1:$((base + 4))"
              GC_STATS_SERVER_KEY="$(cat "$site/secrets/stats_server_public_key")"
              GC_CLIENT_KEY_FILE="$site/client-keys/dashboard.key")
submit() { env "${intake_client[@]}" gridctl submit --category drain_cover --grid 4101010101 "$@"; }
listen="$logs/municipal.jsonl"
env "${dept_client[@]}" gridctl dept listen municipal --json --timeout 600 > "$listen" 2> "$logs/municipal.err" &
listener=$!
ref=$(submit --desc "主机经 CurveZMQ 提交的案件" --key compose-life-1 2> "$logs/submit.err")
expect_ok "a client with its own registered key submits a case to the published intake port" \
    grep -qE '^GC-[0-9]{8}$' <<<"$ref"
wait_for "it is delivered to municipal's client on the host, with municipal's key" 30 \
    grep -q "\"case_ref\":\"$ref\"" "$listen"
expect_eq "as a new case, municipal leading" \
    "$(grep "\"case_ref\":\"$ref\"" "$listen" | head -n 1 | jq -r '[.reason, .lead] | @tsv')" $'new\ttrue'
expect_ok "municipal accepts it" env "${dept_client[@]}" gridctl dept accept "$ref" --dept municipal
expect_ok "municipal resolves it" env "${dept_client[@]}" gridctl dept resolve "$ref" --dept municipal --note "已更换井盖"
expect_fail "the hotline bridge may not verify it" "may not send people's commands" \
    env "${intake_client[@]}" gridctl verify "$ref" --ok --note "现场查看" --as 4101010101-W1
expect_ok "the grid's worker verifies it through the grid's application, named" \
    env "${people_client[@]}" gridctl verify "$ref" --ok --note "现场查看" --as 4101010101-W1
expect_eq "its timeline: submitted, routed, accepted, resolved, verified; closed" \
    "$(show "$ref" | jq -r '[.status, ([.timeline[].kind] | join(","))] | @tsv')" \
    $'closed\tsubmitted,routed,accepted,resolved,verified'
metric() { http_get "http://127.0.0.1:$((base + 5))/metrics" | grep -F "$1" | awk '{print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
wait_for "/metrics on the published port counts it resolved by municipal" 20 \
    metric_is 'gridcase_department_resolved_total{department="municipal"}' 1
expect_eq "and both cases handled by municipal" \
    "$(metric 'gridcase_department_handled_total{department="municipal"}')" "2"
run_block stats "s|tcp://HOST:7104|tcp://127.0.0.1:$((base + 4))|" &&
    expect_eq "the guide's stats command prints the district's figures" \
        "$(grep -c . "$logs/block-stats.log" | awk '$1 > 0 {print "printed"}')" "printed"
stats_closed() {
    [ "$(env "${stats_client[@]}" gridctl stats --area 4101010101 --json --timeout 5 |
         jq -r '.windows[] | select(.window == "all") | .figures.closed')" = 1 ]
}
wait_for "the stats stream on the published port counts it closed in its grid" 20 stats_closed
board_ok() { [ "$(http_get "http://127.0.0.1:$((base + 6))/api/area" | head -n 1)" = 200 ]; }
wait_for "the board serves the district on its published port" 20 board_ok
open311_ok() {
    http_get "http://127.0.0.1:$((base + 7))/open311/v2/requests/$ref.json" | tail -n +2 |
        jq -e --arg r "$ref" '.[0].service_request_id == $r and .[0].status == "closed"' > /dev/null
}
wait_for "the Open311 gateway shows the case closed on its published port" 20 open311_ok

# ---- hardening, seen from inside the containers -------------------------------------------------
phase hardening
# PID 1's user and capabilities, no_new_privs, a write to the root file system, and every secret
# file: not readable by others, readable by the daemon
probe='set -- $(grep -E "^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs):" /proc/1/status | awk "{print \$2}")
echo "uid=$1 prm=$2 eff=$3 bnd=$4 nnp=$5"
touch /usr/probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro
for f in /run/secrets/*; do
    case $f in *_public_key) continue ;; esac
    [ -r "$f" ] || echo "unreadable=$f"
    [ -n "$(find "$f" -perm /o=r)" ] && echo "world-readable=$f"
done
echo end'
for d in "${daemons[@]}"; do
    expect_eq "$d: UID 10001, no capabilities, no new privileges, read-only root, its secrets its own" \
        "$(compose exec -T "$d" sh -c "$probe" 2>&1 | tr '\n' ' ')" \
        "uid=10001 prm=0000000000000000 eff=0000000000000000 bnd=0000000000000000 nnp=1 rootfs=ro end "
done
expect_eq "postgres: the owner's password is PostgreSQL's (UID 999) and the daemons' group's only" \
    "$(compose exec -T postgres stat -c '%u:%g %a' /run/secrets/db_owner_password)" "999:10001 440"

# ---- SIGKILL of each daemon -------------------------------------------------------------------
phase kill
for d in "${daemons[@]}"; do
    pid=$(inspect "$d" .State.Pid)
    restarts=$(inspect "$d" .RestartCount)
    kill -KILL "$pid"
    key=compose-kill-$d
    # a client that retries with its idempotency key until intake answers
    (for _ in $(seq 30); do submit --desc "kill -9 $d 期间提交" --key "$key" && break; sleep 1; done) \
        > "$logs/kill-$d.out" 2>&1 &
    submitter=$!
    restarted() { [ "$(inspect "$1" .RestartCount)" -gt "$2" ] && [ "$(inspect "$1" .State.Running)" = true ]; }
    wait_for "$d: kill -9 of its process (pid $pid): the container restarts" 60 restarted "$d" "$restarts"
    wait_for "$d: and is healthy again" 120 healthy "$d"
    wait "$submitter"
    kref=$(grep -E '^GC-[0-9]{8}$' "$logs/kill-$d.out" | tail -n 1)
    expect_eq "$d: the case submitted meanwhile with retries is stored once" \
        "$(psql_q "SELECT count(*) || ' ' || min(ref) FROM cases WHERE idempotency_key = '$key'")" "1 $kref"
    wait_for "$d: and delivered to municipal" 60 grep -q "\"case_ref\":\"$kref\"" "$listen"
done
expect_eq "municipal's client got each case once" \
    "$(jq -r .case_ref "$listen" | sort | uniq -d | tr '\n' ' ')" ""
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null

# ---- down and up ----------------------------------------------------------------------------------
phase down-up
counts() { psql_q "SELECT (SELECT count(*) FROM cases) || ' cases, ' || (SELECT count(*) FROM case_events) || ' events, ' || (SELECT count(*) FROM deliveries) || ' deliveries'"; }
# every case's timeline in one digest: ref, sequence, kind and time of each event
timelines() { psql_q "SELECT md5(string_agg(c.ref || ':' || e.seq || ':' || e.kind || ':' || e.at || ':' || e.status || ':' || e.note, ',' ORDER BY e.seq)) FROM case_events e JOIN cases c ON c.id = e.case_id"; }
before_counts=$(counts) before_timelines=$(timelines) before_show=$(show "$ref")
echo "# before: $before_counts"
expect_ok "docker-compose down" compose down
expect_ok "docker-compose up -d" compose up -d
wait_for "every service is healthy again" 120 all_healthy
expect_eq "every case is still there" "$(counts)" "$before_counts"
expect_eq "with the same timelines" "$(timelines)" "$before_timelines"

# ---- backup and restore, as the guide says ----------------------------------------------------------
phase backup-restore
backups=$state/backups
rm -rf "$backups"
run_block backup "s|^b=/var/backups/gridcase|b=$backups|" || bail "no backup"
run_block verify-backup "s|^b=/var/backups/gridcase|b=$backups|"
expect_eq "the scratch restore counts every case" \
    "$(grep -A 2 'cases' "$logs/block-verify-backup.log" | grep -oE '^ *[0-9]+' | head -n 1 | tr -d ' ')" \
    "$(psql_q 'SELECT count(*) FROM cases')"
expect_ok "docker-compose down (the machine is lost)" compose down
set_env GC_PGDATA_VOLUME gridcase_restored
run_block restore "s|^b=/var/backups/gridcase|b=$backups|" || bail "no restore"
expect_eq "the restore went into the new volume" \
    "$(inspect postgres '[.Mounts[] | select(.Destination == "/var/lib/postgresql/data") | .Name] | join(" ")')" "gridcase_restored"
wait_for "every service is healthy on the restored database" 120 all_healthy
expect_eq "the same counts" "$(counts)" "$before_counts"
expect_eq "the same timelines" "$(timelines)" "$before_timelines"
expect_eq "gridctl show prints the same case" "$(show "$ref")" "$before_show"
after=$(submit --desc "恢复后提交" --key compose-after-restore)
routed() { [ "$(psql_q "SELECT status FROM cases WHERE ref = '$1'")" = routed ]; }
wait_for "a new case after the restore is routed" 30 routed "$after"

# ---- stop --------------------------------------------------------------------------------------
phase stop
stop_start=$(date +%s%N)
expect_ok "docker-compose stop" compose stop
compose config | /usr/bin/python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' \
    > "$state/compose.json"
for s in "${services[@]}"; do
    grace=$(jq -r --arg s "$s" '.services[$s].stop_grace_period | rtrimstr("s")' "$state/compose.json")
    took=$((($(ns "$(inspect "$s" .State.FinishedAt)") - stop_start) / 1000000))
    code=$(inspect "$s" .State.ExitCode)
    # Status 0 is an exit by itself on the stop signal: the engine kills what is still running at
    # the end of the grace period (status 137). The time from `stop` is shown, not judged: it
    # includes docker-compose's and the engine's own work, seconds on a loaded machine.
    if [ "$code" = 0 ]; then
        ok "$s exits 0 within its grace period (${grace} s; ${took} ms after docker-compose stop began)"
    else
        not_ok "$s exits 0 within its grace period (${grace} s)" \
            "exit status $code after ${took} ms; its last lines: $(podman logs -t --tail 4 "$(cid "$s")" 2>&1 | tr '\n' ' ')"
    fi
done

phase ""
echo "# timings: ${timings[*]} total=$((SECONDS - started))s (base images: $cached)"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
