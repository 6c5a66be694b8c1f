# `make up` twice keeps what was changed in between: the first start of an empty database imports
# the district and registers the departments' keys; a later start (after `make down`, or while it
# runs) neither imports again nor registers again, so a routing rule added and a key rotated
# stay. GC_VAR may be absolute. Runs a stack of its own, on this lane's ports + 9000.
st_var=$PWD/$GC_VAR/t_stack # absolute on purpose
st_base=$((GC_PORT_BASE + 9000))
st_bin=$(dirname "$(command -v gridctl)")
stack() { GC_VAR="$st_var" GC_PORT_BASE="$st_base" deploy/stack.sh "$@"; }
# in_stack CMD...: a command with the test stack's env file, run from elsewhere (/)
in_stack() { (cd / && . "$st_var/env" && "$@"); }
st_sql() { (cd / && . "$st_var/env" && psql "$GC_PG_DSN" -tAc "$1"); }
cleanup_stack() { stack down >/dev/null 2>&1; }
trap cleanup_stack EXIT
cleanup_stack
[ -e "$st_var/pg/pgdata" ] && rm -rf "$(readlink -f "$st_var/pg/pgdata")"
rm -rf "$st_var"

out=$(stack up "$st_bin" 2>&1); rc=$?
if [ $rc = 0 ]; then ok "a stack starts with an absolute GC_VAR"; else not_ok "a stack starts with an absolute GC_VAR" "$(tail -20 <<<"$out")"; fi
expect_ok "the first start imports the district" grep -q "Reference data: imported from deploy/demo-district.json" <<<"$out"
expect_ok "the env file names absolute paths only" \
    grep -q "GC_DEPT_KEYS_DIR=\"$st_var/keys\"" "$st_var/env"
expect_eq "and nothing landed under \$PWD/\$GC_VAR" "$(ls -d "$PWD/$st_var" 2>/dev/null)" ""
expect_eq "the dashboards' role logs in, and reads the figures" \
    "$(psql "host=127.0.0.1 port=$st_base dbname=gridcase user=gridcase_dashboard" -tAc "SELECT count(*) >= 0 FROM stats_area_figures" 2>&1)" t
expect_ok "every department got a key" test "$(in_stack gridctl departments --json | jq '[.[] | select(.has_key | not)] | length')" = 0

# what a district changes by hand: a routing rule, a category's name, a department's key
st_sql "INSERT INTO routing_rules (category, area_code, level, department, is_lead) VALUES ('drain_cover', '410102', NULL, 'cityman', false)" >/dev/null
st_sql "UPDATE categories SET name = '井盖（本地改名）' WHERE code = 'drain_cover'" >/dev/null
rm -f "$st_var/keys/municipal-2.key"
new_key=$(in_stack gridctl dept keygen municipal --out "$st_var/keys/municipal-2.key")
expect_ok "municipal's key is rotated" in_stack gridctl dept register municipal --key "$st_var/keys/municipal-2.key"

out=$(stack up "$st_bin" 2>&1); rc=$?
expect_eq "up again while it runs" "$rc" 0
expect_ok "says the reference data is kept, and how to load it again" \
    grep -q "Reference data: kept as it is in the database (to load deploy/demo-district.json again: gridctl import deploy/demo-district.json)" <<<"$out"
stack down >/dev/null 2>&1
out=$(stack up "$st_bin" 2>&1); rc=$?
expect_eq "down and up again" "$rc" 0
expect_eq "the rule added by hand is still there" \
    "$(st_sql "SELECT count(*) FROM routing_rules WHERE category = 'drain_cover' AND area_code = '410102' AND department = 'cityman'")" 1
expect_eq "the category's new name too" "$(st_sql "SELECT name FROM categories WHERE code = 'drain_cover'")" "井盖（本地改名）"
expect_eq "the rotated key is still municipal's" "$(st_sql "SELECT public_key FROM departments WHERE code = 'municipal'")" "$new_key"
out=$(in_stack gridctl dept listen municipal --key "$st_var/keys/municipal-2.key" --timeout 2 2>&1); rc=$?
expect_eq "routing accepts the rotated key" "$rc $out" "0 "
expect_fail "and refuses the old one" "authentication refused by routing" \
    in_stack gridctl dept listen municipal --timeout 5
expect_ok "gridctl import loads the file again when asked" in_stack gridctl import "$PWD/deploy/demo-district.json"
expect_eq "which replaces the rules" \
    "$(st_sql "SELECT count(*) FROM routing_rules WHERE category = 'drain_cover' AND area_code = '410102' AND department = 'cityman'")" 0
stack down >/dev/null 2>&1
expect_ok "down stops every daemon" test -z "$(ls "$st_var/run/"*.pid 2>/dev/null)"
trap - EXIT
