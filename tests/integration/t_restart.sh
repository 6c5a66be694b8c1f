# Killing consumers (kill -9, no clean shutdown) loses nothing: cases submitted while routing and
# stats are down are routed and counted once they restart. Grid 4101010103.
g=4101010103
wait_for "the grid's figures are published" 10 stat_is $g reported "$(sql "SELECT count(*) FROM cases WHERE area_code = '$g'")"
before=$(stat $g reported)
kill -KILL "$(cat "$GC_VAR/run/routing.pid")" "$(cat "$GC_VAR/run/stats.pid")"
refs=()
for i in 1 2 3 4 5; do
    refs+=("$(gridctl submit --category street_light --grid $g --desc "路灯不亮 #$i")")
done
expect_eq "intake stored all five while routing was down" \
    "$(sql "SELECT count(*) FROM cases WHERE area_code = '$g' AND status = 'submitted'")" "5"
deploy/stack.sh up "$bin" >/dev/null
for r in "${refs[@]}"; do
    wait_for "$r is routed after routing restarts" 10 field_is "$r" .status routed
done
expect_eq "each was routed exactly once" \
    "$(sql "SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.area_code = '$g' AND c.ref = ANY('{$(IFS=,; echo "${refs[*]}")}')")" "5"
wait_for "stats counted them once after its restart" 10 stat_is $g reported $((before + 5))
expect_eq "the routing cursor is at the end of the log" \
    "$(sql "SELECT (SELECT last_seq FROM consumer_cursors WHERE consumer = 'routing') = (SELECT last_seq FROM event_streams)")" "t"
