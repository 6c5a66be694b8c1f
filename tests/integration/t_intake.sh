# Intake: sources, location by point, street triage, idempotency under concurrency and a key
# reused for another request, possible duplicates, two-way reporting, diaries, commands naming the state, bad input, and
# answering UNAVAILABLE while PostgreSQL is down. Grids 4101010205-4101010207 (映月路社区).
count() { sql "SELECT count(*) FROM cases"; }

# 1. sources and reporters
ref=$(gridctl submit --source hotline --category street_light --grid 4101010206 --desc "12345转办：路灯不亮" \
      --reporter 李四 --phone "+86 139-0000-0000")
expect_eq "a hotline case keeps its source and reporter" \
    "$(case_field "$ref" '[.source, .reporter_name, .reporter_phone] | @tsv')" $'hotline\t李四\t+86 139-0000-0000'
anon=$(gridctl submit --category street_light --grid 4101010206 --desc "匿名反映：路灯不亮")
expect_eq "a resident may report anonymously" "$(case_field "$anon" '[.source, .reporter_name] | @tsv')" $'resident\t'
wait_for "stats published" 10 stat_is 4101010206 reported 2
if gridctl stats --area 4101010206 --json | grep -q 李四 || grep -q 李四 "$GC_VAR"/log/*.log; then
    not_ok "the reporter is neither on the stats stream nor in a log"
else ok "the reporter is neither on the stats stream nor in a log"; fi

# 2. location
out=$(gridctl submit --category drain_cover --lon 113.7370 --lat 34.7330 --desc "井盖缺失" 2>&1 >/dev/null)
located=$(sql "SELECT ref FROM cases ORDER BY id DESC LIMIT 1")
expect_eq "a point in 映月路 community's fifth grid is filed under that grid" \
    "$(case_field "$located" '[.area, .level] | @tsv')" $'4101010205\tgrid'
expect_eq "the reply says which grid was chosen" "$out" "gridctl: filed under grid 4101010205"
wait_for "and it is routed like any grid case" 10 field_is "$located" .status routed
# a street with an outline but no grids yet (added here as a fixture)
sql "INSERT INTO areas (code, parent_code, level, name, boundary) VALUES ('410103', '4101', 'street', '测试街道', '[[113.75,34.75],[113.755,34.75],[113.755,34.755],[113.75,34.755]]'); NOTIFY gc_reference" >/dev/null
sleep 0.5
out=$(gridctl submit --category dirty_surroundings --lon 113.752 --lat 34.752 --desc "垃圾堆积" 2>&1 >/dev/null)
streetcase=$(sql "SELECT ref FROM cases ORDER BY id DESC LIMIT 1")
expect_eq "a point in a street but in no grid goes to the street" "$(case_field "$streetcase" '[.area, .level] | @tsv')" $'410103\tstreet'
expect_eq "the reply names the street's triage queue" "$out" \
    "gridctl: no grid holds this location: the case is in the triage queue of 410103"
wait_for "and it waits in the street's triage queue" 10 field_is "$streetcase" .status triage
addr=$(gridctl submit --category street_vending --street 410101 --address "航海东路与石化路交叉口" --desc "占道经营" 2>/dev/null)
wait_for "an address alone goes to the named street's triage queue" 10 field_is "$addr" .status triage
expect_eq "filed under the street" "$(case_field "$addr" '[.area, .address] | @tsv')" $'410101\t航海东路与石化路交叉口'
n=$(count)
expect_fail "a point outside the district is refused" "OUTSIDE_DISTRICT" \
    gridctl submit --category drain_cover --lon 113.50 --lat 34.50 --desc "区外"
expect_fail "a report that says nowhere is refused" "say where" \
    gridctl submit --category drain_cover --desc "不知道在哪"
expect_eq "nothing stored for them" "$(count)" "$n"

# 3. idempotency: the same key from two processes at once is one case
k="concurrent-$RANDOM-$$"
gridctl submit --key "$k" --category street_light --grid 4101010207 --desc "同一报告" > "$GC_VAR/k1" &
p1=$!
gridctl submit --key "$k" --category street_light --grid 4101010207 --desc "同一报告" > "$GC_VAR/k2" &
p2=$!
wait $p1 $p2
expect_eq "both processes get the same case" "$(cat "$GC_VAR/k1")" "$(cat "$GC_VAR/k2")"
expect_eq "one case stored for the key" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key = '$k'")" "1"
expect_eq "the same request again with the key names the same case" \
    "$(gridctl submit --key "$k" --category street_light --grid 4101010207 --desc "同一报告")" "$(cat "$GC_VAR/k1")"
# the key reused for another request: refused with its own code, naming the case the key made
expect_fail "the same key with another description is refused" "ERROR_CODE_IDEMPOTENCY_CONFLICT" \
    gridctl submit --key "$k" --category street_light --grid 4101010207 --desc "另一个报告"
expect_fail "and the refusal names the key's case" "first used for a different request (case $(cat "$GC_VAR/k1"))" \
    gridctl submit --key "$k" --category street_light --grid 4101010206 --desc "同一报告"
expect_fail "a different reporter is another request too" "IDEMPOTENCY_CONFLICT" \
    gridctl submit --key "$k" --category street_light --grid 4101010207 --desc "同一报告" --reporter 王五
expect_eq "nothing stored for them, the first case unchanged" \
    "$(sql "SELECT count(*) || ' ' || min(description) || ' ' || min(area_code) FROM cases WHERE idempotency_key = '$k'")" "1 同一报告 4101010207"

# 4. possible duplicates
first=$(gridctl submit --category drain_cover --lon 113.7380 --lat 34.7385 --desc "井盖破损" 2>/dev/null)
out=$(gridctl submit --category drain_cover --lon 113.7382 --lat 34.7386 --desc "井盖破损，很危险" 2>&1 >/dev/null)
second=$(sql "SELECT ref FROM cases ORDER BY id DESC LIMIT 1")
expect_eq "a report 21 m from an open one of the same kind names it" "$out" \
    "gridctl: filed under grid 4101010207
gridctl: possible duplicate of $first (an open case of the same kind nearby): follow that one"
expect_eq "and is linked to it, but stored" "$(case_field "$second" '[.duplicate_of, .status != null] | @tsv')" "$first"$'\ttrue'
far=$(gridctl submit --category drain_cover --lon 113.7390 --lat 34.7395 --desc "另一个井盖" 2>/dev/null)
expect_eq "one 130 m away is not a duplicate" "$(case_field "$far" .duplicate_of)" "null"
other=$(gridctl submit --category street_light --lon 113.7382 --lat 34.7386 --desc "路灯" 2>/dev/null)
expect_eq "another category at the same spot is not a duplicate" "$(case_field "$other" .duplicate_of)" "null"
v1=$(gridctl submit --category street_vending --grid 4101010207 --desc "摊贩占道")
v2=$(gridctl submit --category street_vending --grid 4101010207 --desc "又有摊贩占道")
expect_eq "without a point, the same grid and category is a possible duplicate" "$(case_field "$v2" .duplicate_of)" "$v1"

# 5. two-way reporting: a department's inspection report is a task for the grid leader
task=$(gridctl dept inspect --dept cityman --category outdoor_ads --grid 4101010207 --desc "巡查发现门头牌匾松动")
expect_eq "an inspection report is a grid task" "$(case_field "$task" '[.status, .source] | @tsv')" $'grid_task\tdepartment'
expect_eq "the grid leader sees it in his list" \
    "$(gridctl list --area 4101010207 --json | jq -r --arg r "$task" '.[] | select(.ref == $r) | .status')" "grid_task"
sleep 0.5
expect_eq "it is not sent to any department" "$(sql "SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$task'")" "0"
expect_eq "it has a grid deadline" "$(case_field "$task" '.deadline_at != null')" "true"
expect_ok "the grid leader handles it on the spot" gridctl spot "$task" --note "已加固"
task2=$(gridctl submit --source department --category overhead_cables --grid 4101010207 --desc "巡查发现线缆下垂")
expect_eq "the same through the front door" "$(case_field "$task2" .status)" "grid_task"

# 6. commands name the state; diaries
expect_fail "an invalid command names the case's state" "(the case is grid_task, at the grid)" \
    gridctl verify "$task2" --ok
entry=$(gridctl diary add --grid 4101010207 --date 2026-11-20 --author 宋志强 --note "走访7号楼：楼道灯坏了")
expect_ok "a diary entry gets a number" grep -qE '^[0-9]+$' <<<"$entry"
expect_eq "the grid's diary lists it" "$(gridctl diary list --grid 4101010207 --json | jq -r --argjson id "$entry" '.[] | select(.id == $id) | .note')" "走访7号楼：楼道灯坏了"
fromdiary=$(gridctl submit --from-diary "$entry" --category street_light)
expect_eq "a diary entry becomes a case in its grid with its note" \
    "$(case_field "$fromdiary" '[.area, .description] | @tsv')" $'4101010207\t走访7号楼：楼道灯坏了'
expect_eq "the entry points at the case" "$(gridctl diary list --grid 4101010207 --json | jq -r --argjson id "$entry" '.[] | select(.id == $id) | .case_ref')" "$fromdiary"
expect_fail "an entry becomes a case only once" "already a case" gridctl submit --from-diary "$entry" --category street_light
expect_fail "a diary date must be a date" "YYYY-MM-DD" gridctl diary add --grid 4101010207 --date 2026-13-40 --note x

# 9. bad input
n=$(count)
expect_fail "NaN coordinates are refused" "INVALID_ARGUMENT" gridctl submit --category drain_cover --lon nan --lat 34.7 --desc x
expect_fail "out-of-range coordinates are refused" "INVALID_ARGUMENT" gridctl submit --category drain_cover --lon 200 --lat 34.7 --desc x
expect_fail "SQL in a category is just an unknown category" "UNKNOWN_CATEGORY" \
    gridctl submit --category "x'); DROP TABLE cases; --" --grid 4101010207 --desc x
expect_fail "a description over 4000 bytes is refused" "INVALID_ARGUMENT" \
    gridctl submit --category drain_cover --grid 4101010207 --desc "$(head -c 4001 /dev/zero | tr '\0' a)"
expect_fail "a description with a control character says which and where" \
    "description contains control character U+0007 at byte 6" \
    gridctl submit --category drain_cover --grid 4101010207 --desc $'路灯\a不亮'
expect_fail "a description that is not UTF-8 says where" "description is not valid UTF-8 at byte 6" \
    gridctl submit --category drain_cover --grid 4101010207 --desc $'井盖\xe4\xba'
expect_fail "an over-long reporter phone is refused" "INVALID_ARGUMENT" \
    gridctl submit --category drain_cover --grid 4101010207 --desc x --phone "$(head -c 40 /dev/zero | tr '\0' 1)"
# IntakeRequest{request_id "x", submit{key "k9", category "drain_cover", grid "4101010207",
# description "x", source = 99}}: an enum value no release defines
hex_str() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
field() { printf '%02x%02x%s' "$1" $(( ${#2} / 2 )) "$2"; }
body=$(field 0x0a "$(hex_str k9)")$(field 0x12 "$(hex_str drain_cover)")$(field 0x1a "$(hex_str 4101010207)")$(field 0x22 78)3063
expect_eq "an unknown enum value is refused" "$(gc-rawsend "$GC_INTAKE_URL" "$(field 0x0a 78)$(field 0x12 "$body")" | cut -d' ' -f1-4)" \
    "error ERROR_CODE_INVALID_ARGUMENT unknown source"
nosource=$(field 0x0a "$(hex_str k10)")$(field 0x12 "$(hex_str drain_cover)")$(field 0x1a "$(hex_str 4101010207)")$(field 0x22 78)
expect_eq "a submission must name its source" "$(gc-rawsend "$GC_INTAKE_URL" "$(field 0x0a 78)$(field 0x12 "$nosource")" | cut -d' ' -f1-5)" \
    "error ERROR_CODE_INVALID_ARGUMENT source is required:"
expect_eq "the cases table is intact and nothing was stored" "$(count)" "$n"
expect_ok "intake still takes cases" gridctl submit --category drain_cover --grid 4101010207 --desc "井盖"

# 7. durability: PostgreSQL down -> UNAVAILABLE within 2 s; back -> served without a restart
deploy/pg.sh stop "$GC_VAR/pg"
start=$(date +%s%N)
out=$(gridctl submit --category drain_cover --grid 4101010207 --desc "数据库停机时的报告" 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "with PostgreSQL stopped, submit fails with UNAVAILABLE" "$rc $(grep -o ERROR_CODE_UNAVAILABLE <<<"$out")" "1 ERROR_CODE_UNAVAILABLE"
if [ "$ms" -lt 2000 ]; then ok "and the answer came within 2 s ($ms ms)"; else not_ok "and the answer came within 2 s" "took $ms ms"; fi
expect_ok "intake is still running" kill -0 "$(cat "$GC_VAR/run/intake.pid")"
deploy/pg.sh start "$GC_VAR/pg" "$GC_PORT_BASE"
wait_for "after PostgreSQL restarts, intake takes cases again by itself" 15 \
    gridctl submit --category drain_cover --grid 4101010207 --desc "数据库恢复后的报告" --key "after-restart-$$"
back=$(gridctl submit --category drain_cover --grid 4101010207 --desc "数据库恢复后的报告" --key "after-restart-$$")
wait_for "and the other daemons route it" 20 field_is "$back" .status routed

# 8. group commit: submissions that arrive together are committed together. Every daemon's
# transactions count in xact_commit, so fewer than 1000 commits in all proves the batching.
commits() { sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"; }
before=$(commits)
gc-load submit "$GC_INTAKE_URL" 1000 4101010206 street_light > "$GC_VAR/load-submit.out" 2> "$GC_VAR/load-submit.err"
expect_eq "1000 concurrent submissions are all acknowledged" "$(cat "$GC_VAR/load-submit.out")" \
    "submit: sent 1000 replies 1000 ok 1000 failed 0"
sleep 1 # pg_stat_database is updated when a backend reports (at most every 0.5 s)
txns=$(( $(commits) - before ))
if [ "$txns" -lt 1000 ]; then ok "the whole system committed $txns transactions for them ($(cut -d' ' -f2- "$GC_VAR/load-submit.err"))"
else not_ok "submissions in flight together share transactions" "$txns commits for 1000 cases"; fi

# 9. a frozen server (it accepts connections and never answers: every PostgreSQL process
# stopped with SIGSTOP): UNAVAILABLE within 2 s, again while it stays frozen (intake connects
# in the background, never blocked by the attempts), and served again once it runs; the retry
# with the same key finds the one case, whether or not the first attempt had committed.
# gridctl's own time (start, CURVE handshake, a stored case) is measured first: the 2 s are
# intake's, on top of it
start=$(date +%s%N)
gridctl submit --category drain_cover --grid 4101010207 --desc "冻结前的报告" > /dev/null 2>&1
own=$(( ($(date +%s%N) - start) / 1000000 ))
pm=$(head -n 1 "$GC_VAR/pg/pgdata/postmaster.pid")
mapfile -t frozen < <(echo "$pm"; ps -o pid= --ppid "$pm" | tr -d ' ')
thaw() { kill -CONT "${frozen[@]}" 2>/dev/null; }
trap thaw EXIT
kill -STOP "${frozen[@]}"
for attempt in 1 2; do
    start=$(date +%s%N)
    out=$(gridctl submit --category drain_cover --grid 4101010207 --desc "数据库冻结时的报告" --key "frozen-$$" 2>&1)
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ $rc -ne 0 ] && grep -q ERROR_CODE_UNAVAILABLE <<<"$out" && [ "$ms" -lt $((own + 2000)) ]; then
        ok "with PostgreSQL frozen, submit $attempt fails with UNAVAILABLE within 2 s ($ms ms, gridctl's own $own ms)"
    else
        not_ok "with PostgreSQL frozen, submit $attempt fails with UNAVAILABLE within 2 s" "status $rc after $ms ms (gridctl's own $own ms): $out"
    fi
done
expect_eq "intake said it gave up on the silent server" \
    "$(grep -c 'no answer from the database within 1500 ms' "$GC_VAR/log/intake.log" | awk '$1 > 0 {print "yes"}')" "yes"
thaw
trap - EXIT
wait_for "once PostgreSQL runs again, intake takes cases by itself" 15 \
    gridctl submit --category drain_cover --grid 4101010207 --desc "数据库冻结时的报告" --key "frozen-$$"
expect_eq "and the key names one case" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key = 'frozen-$$'")" "1"
