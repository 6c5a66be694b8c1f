# Bad input through the ordinary client (gridctl) gets a clear error reply, stores nothing and
# crashes nothing. Raw bytes, broken frames, oversized and mistyped messages on both sockets:
# t_hostile.
count() { sql "SELECT count(*) FROM cases"; }
n=$(count)
expect_fail "an unknown grid is refused" "UNKNOWN_GRID" \
    gridctl submit --category drain_cover --grid 9999 --desc "不存在的网格"
expect_fail "a community is not a grid" "not a grid" \
    gridctl submit --category drain_cover --grid 41010101 --desc "社区不是网格"
expect_fail "an unknown category is refused" "UNKNOWN_CATEGORY" \
    gridctl submit --category ufo --grid 4101010103 --desc "不明飞行物"
expect_fail "an empty description is refused" "description" \
    gridctl submit --category drain_cover --grid 4101010103 --desc ""
expect_fail "a command on an unknown case is refused" "UNKNOWN_CASE" gridctl verify GC-99999999 --ok
expect_eq "nothing was stored" "$(count)" "$n"
expect_ok "intake is still running" kill -0 "$(cat "$GC_VAR/run/intake.pid")"
expect_ok "and still takes cases" gridctl submit --category drain_cover --grid 4101010103 --desc "井盖松动"
