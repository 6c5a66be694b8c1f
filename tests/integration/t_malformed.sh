# Bad input to intake gets a clear error reply, stores nothing and crashes nothing.
count() { sql "SELECT count(*) FROM cases"; }
n=$(count)
expect_eq "garbage bytes: MALFORMED" "$(gc-rawsend "$GC_INTAKE_URL" ffffffff0102)" \
    "error ERROR_CODE_MALFORMED the body is not an IntakeRequest"
expect_eq "an empty body: no submit or command" "$(gc-rawsend "$GC_INTAKE_URL" "" | cut -d' ' -f1-2)" \
    "error ERROR_CODE_INVALID_ARGUMENT"
expect_eq "too many frames: MALFORMED" "$(gc-rawsend "$GC_INTAKE_URL" --frames 7 | cut -d' ' -f1-2)" \
    "error ERROR_CODE_MALFORMED"
# IntakeRequest{request_id "x", submit{key "k1", category "drain_cover", grid "4101010103",
# description = bytes ff fe}}: well-formed protobuf, but the description is not UTF-8
hex_str() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
field() { printf '%02x%02x%s' "$1" $(( ${#2} / 2 )) "$2"; }
submit=$(field 0x0a "$(hex_str k1)")$(field 0x12 "$(hex_str drain_cover)")$(field 0x1a "$(hex_str 4101010103)")$(field 0x22 fffe)
expect_eq "a description that is not UTF-8: INVALID_ARGUMENT" \
    "$(gc-rawsend "$GC_INTAKE_URL" "$(field 0x0a 78)$(field 0x12 "$submit")" | cut -d' ' -f1-3)" \
    "error ERROR_CODE_INVALID_ARGUMENT description"
expect_eq "a message over GC_MAX_MESSAGE_BYTES gets no reply (the peer is cut off)" \
    "$(gc-rawsend "$GC_INTAKE_URL" --size 100000)" "noreply"
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
