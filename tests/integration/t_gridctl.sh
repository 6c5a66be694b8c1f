# gridctl explains itself: every command's help comes from the table that parses its options,
# mistakes are refused with what would be right, times are shown in the district's time.
# Grid 4101020104.

# --- help: derived from the parser's own table (gridctl help --table), never a list kept here
table=$(gridctl help --table)
commands=$(cut -f1 <<<"$table" | uniq)
expect_ok "the table names commands" test "$(wc -l <<<"$commands")" -gt 30
overview=$(gridctl --help)
missing_help=""
# (bash's own matching, not grep: two gridctl runs per command are enough forks)
while read -r cmd; do
    read -ra words <<<"$cmd" # "dept listen" is two words
    if ! help=$(gridctl "${words[@]}" --help 2>&1); then missing_help+=" [$cmd: --help failed]"; continue; fi
    [[ $help == "usage: gridctl $cmd"* ]] || missing_help+=" [$cmd: no usage line]"
    [[ $overview == *$'\n'"  $cmd "* ]] || missing_help+=" [$cmd: not in gridctl --help]"
    while IFS=$'\t' read -r c opt; do
        [ "$c" == "$cmd" ] && [ -n "$opt" ] || continue
        [[ $help == *$'\n'"  $opt "* ]] || missing_help+=" [$cmd: $opt not explained]"
    done <<<"$table"
    # and the parser takes nothing else
    out=$(gridctl "${words[@]}" --no-such-option 2>&1); rc=$?
    [[ $rc == 2 && $out == *"unknown option --no-such-option"* ]] || missing_help+=" [$cmd: took --no-such-option: $rc]"
done <<<"$commands"
expect_eq "every command has its help, naming every option it takes" "$missing_help" ""
expect_eq "gridctl help CMD is gridctl CMD --help" "$(gridctl help dept listen)" "$(gridctl dept listen --help)"
expect_ok "gridctl help --all shows each command" test "$(gridctl help --all | grep -c '^usage: gridctl')" = "$(wc -l <<<"$commands")"
expect_ok "gridctl help -h and help dept work" gridctl help dept
expect_eq "gridctl --version" "$(gridctl --version | cut -d' ' -f1)" "gridctl"
expect_fail "a group without its verb names the verbs" "dept listen" gridctl dept
expect_fail "an unknown command points to the help" "gridctl help lists them" gridctl frobnicate
expect_fail "a missing argument is named, with the usage" "gridctl show: missing REF" gridctl show
expect_fail "a missing required option is named" "missing --reason TEXT" gridctl escalate GC-00000001
expect_fail "an option without its value says what value" "needs a value: --category C" gridctl submit --category
expect_fail "a stray argument is refused" "unexpected argument 'extra'" gridctl areas extra

# --- unknown statuses, levels and areas: refused with the valid ones named
expect_fail "list --status bogus names the statuses" "no status 'bogus'; one of submitted, routed, triage" gridctl list --status bogus
expect_fail "list --level names the levels" "no level 'province'; one of grid, community, street, district" gridctl list --level province
expect_fail "list --area names the district and its streets" "no area '9999'; the district and its streets: 4101 " gridctl list --area 9999
expect_fail "agenda of a grid is refused with the streets named" "no street '4101020104'" gridctl agenda 4101020104
expect_fail "an unknown source is refused" "no source 'fax'; one of resident" \
    gridctl submit --category drain_cover --grid 4101020104 --desc x --source fax
expect_ok "a known status still lists" gridctl list --status closed --area 41010201 --json
expect_fail "an unknown category names the categories" "drain_cover" \
    gridctl submit --category ufo --grid 4101020104 --desc "不明飞行物"

# --- times: typed and shown in the district's time zone, with its offset
tz=$(sql "SELECT time_zone FROM district_settings")
offset=$(sql "SELECT to_char(now() AT TIME ZONE '$tz' - now() AT TIME ZONE 'UTC', 'HH24:MI')")
ref=$(gridctl submit --category drain_cover --grid 4101020104 --desc "西三环井盖松动")
deadline_local=$(sql "SET TIME ZONE '$tz'; SELECT to_char(deadline_at, 'YYYY-MM-DD HH24:MI TZH:TZM') FROM cases WHERE ref = '$ref'" | tail -1)
expect_ok "show gives the deadline in district time with its offset (+$offset)" \
    grep -q "deadline $deadline_local" <<<"$(gridctl show "$ref")"
expect_ok "the offset is the district's" grep -q "+$offset\$" <<<"$deadline_local"
expect_ok "list shows it too" grep -q "due $deadline_local" <<<"$(gridctl list --area 4101020104)"
expect_eq "JSON stays ISO 8601 in UTC" "$(case_field "$ref" .deadline_at)" \
    "$(sql "SELECT to_char(deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM cases WHERE ref = '$ref'")"
expect_ok "clock show gives district time" grep -q "+$offset\$" <<<"$(gridctl clock show)"
expect_fail "meeting --deadline 'tomorrow 5pm' is refused, naming the formats" \
    "'tomorrow 5pm' is not a time: type the district's time as 'YYYY-MM-DD HH:MM'" \
    gridctl meeting "$ref" --deadline "tomorrow 5pm"
expect_fail "clock set tomorrow is refused" "'tomorrow' is not a time" gridctl clock set tomorrow
expect_fail "a date that does not exist is refused" "'2026-02-30 10:00' is not a time" \
    gridctl meeting "$ref" --deadline "2026-02-30 10:00"
before=$(sql "SELECT offset_seconds FROM clock")
expect_fail "the clock does not move back" "only moves forward" gridctl clock set "2000-01-01 00:00"
expect_eq "and did not move" "$(sql "SELECT offset_seconds FROM clock")" "$before"

# --- dept listen says why nothing comes, within seconds, instead of waiting in silence
rm -f "$GC_VAR/stranger.key" "$GC_VAR/other-server.key"
gridctl dept keygen stranger --out "$GC_VAR/stranger.key" > "$GC_VAR/stranger.pub"
started=$SECONDS
expect_fail "an unregistered key: routing refused it" \
    "authentication refused by routing at $GC_DEPT_URL (unknown key?)" \
    gridctl dept listen municipal --key "$GC_VAR/stranger.key"
expect_ok "said within seconds, without --timeout" test $((SECONDS - started)) -le 8
wait_for "routing logs the refusal at warn, with the key's public part" 5 \
    grep -F "connection refused: unknown key $(cat "$GC_VAR/stranger.pub")" "$GC_VAR/log/routing.log"
expect_ok "at warn" grep -qF "level=warn" <<<"$(grep -F -- "$(cat "$GC_VAR/stranger.pub")" "$GC_VAR/log/routing.log")"
expect_fail "the warning said the key is no department's first" "is no department's: routing will refuse it" \
    gridctl dept listen municipal --key "$GC_VAR/stranger.key"
other_server=$(gridctl keygen "$GC_VAR/other-server.key")
expect_fail "a wrong server key: the handshake broke off" "broke off the CURVE handshake (wrong server key?" \
    env GC_DEPT_SERVER_KEY="$other_server" gridctl dept listen municipal --timeout 30
started=$SECONDS
expect_fail "no stack: no answer, and what to do" \
    "no answer from routing at tcp://127.0.0.1:$((GC_PORT_BASE + 8)) (is the stack up? \`make up\`, then \`. var/env\`)" \
    env GC_DEPT_URL="tcp://127.0.0.1:$((GC_PORT_BASE + 8))" gridctl dept listen municipal
expect_ok "said within seconds" test $((SECONDS - started)) -le 8
expect_fail "a shell without the stack's settings is told to source them" "GC_DEPT_SERVER_KEY is not set: .*\. var/env" \
    env -u GC_DEPT_SERVER_KEY gridctl dept listen municipal
expect_fail "no database: is the stack up?" "cannot reach the database (GC_PG_DSN): .* (is the stack up?" \
    env GC_PG_DSN="host=127.0.0.1 port=$((GC_PORT_BASE + 8)) dbname=gridcase" gridctl list
expect_fail "an action with an unregistered key says so too" "authentication refused by routing" \
    gridctl dept accept GC-00000001 --dept municipal --key "$GC_VAR/stranger.key"
expect_fail "an unknown department is named, with the departments" "no department 'nosuch'; the departments: cityman, " \
    gridctl dept listen nosuch --timeout 1

# --- another department's key: warned, since routing knows a department by its key alone
# (--after the last delivery: these listeners take, and acknowledge, nothing another test waits for)
civil=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = 'civil_affairs'")
out=$(gridctl dept listen municipal --key "$GC_DEPT_KEYS_DIR/civil_affairs.key" --after "${civil:-0}" --timeout 2 2>&1 >/dev/null); rc=$?
expect_eq "listening with civil affairs' key as municipal still works" "$rc" 0
expect_ok "but warns whose key it is" grep -q "warning: the key in $GC_DEPT_KEYS_DIR/civil_affairs.key is civil_affairs's, not municipal's: routing will take you for civil_affairs" <<<"$out"
out=$(gridctl dept listen civil_affairs --after "${civil:-0}" --timeout 2 2>&1 >/dev/null)
expect_eq "its own key: no warning" "$out" ""
