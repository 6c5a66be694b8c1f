# One case the whole way: submit -> routed to the right department's listening client ->
# accepted -> resolved -> verified -> closed, with its timeline. Grid 4101010102.
listen_out="$GC_VAR/listen-municipal.out"
gridctl dept listen municipal --json --timeout 20 > "$listen_out" 2>&1 &
listener=$!
sleep 0.3

ref=$(gridctl submit --category drain_cover --grid 4101010102 --desc "石化路排水井盖破损，已有人受伤" \
      --source grid_worker --reporter 张珂 --phone 13900001004)
expect_ok "submit prints a case reference" grep -qE '^GC-[0-9]{8}$' <<<"$ref"
wait_for "the case reaches municipal works' listening client" 10 grep -q "\"case_ref\":\"$ref\"" "$listen_out"
delivery=$(grep "\"case_ref\":\"$ref\"" "$listen_out" | head -1)
expect_eq "delivered as a new case, municipal is lead" "$(jq -r '[.reason,.lead,.level] | @tsv' <<<"$delivery")" $'new\ttrue\tgrid'
expect_eq "the delivery carries the 4 h drain-cover deadline" \
    "$(jq -r '(.deadline_ms > 0)' <<<"$delivery")" "true"
expect_eq "no other department got it" "$(sql "SELECT string_agg(department, ',') FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$ref'")" "municipal"
expect_eq "status routed" "$(case_field "$ref" .status)" "routed"

expect_fail "sanitation cannot act on municipal's case" "does not hold" gridctl dept accept "$ref" --dept sanitation
expect_fail "a routed case cannot be verified" "only a resolved case" gridctl verify "$ref" --ok
expect_ok "municipal accepts" gridctl dept accept "$ref" --dept municipal
expect_eq "status accepted" "$(case_field "$ref" .status)" "accepted"
expect_ok "municipal reports progress" gridctl dept progress "$ref" --dept municipal --note "材料已到"
expect_ok "municipal resolves" gridctl dept resolve "$ref" --dept municipal --note "已更换新井盖"
expect_eq "status resolved, clock stopped" "$(case_field "$ref" '[.status, (.deadline_at == null)] | @tsv')" $'resolved\ttrue'
expect_ok "the grid verifies" gridctl verify "$ref" --ok --note "现场查看，已修好"
expect_eq "status closed" "$(case_field "$ref" .status)" "closed"
expect_eq "closed_at is set" "$(case_field "$ref" '.closed_at != null')" "true"
expect_eq "timeline" "$(case_field "$ref" '[.timeline[].kind] | join(",")')" \
    "submitted,routed,accepted,progress,resolved,verified"
expect_eq "timeline seq increases" "$(case_field "$ref" '[.timeline[].seq] | (. == sort)')" "true"
expect_eq "the reporter is kept for the people handling the case" \
    "$(case_field "$ref" '[.reporter_name, .reporter_phone] | @tsv')" $'张珂\t13900001004'
expect_fail "a closed case cannot be verified again" "only a resolved case" gridctl verify "$ref" --ok
if grep -q -e 13900001004 -e 张珂 "$GC_VAR"/log/*.log; then
    not_ok "the reporter's name and phone are not in any daemon log"
else
    ok "the reporter's name and phone are not in any daemon log"
fi

# reopen: a rejected resolution goes back to the same department
ref2=$(gridctl submit --category street_light --grid 4101010102 --desc "石化路路灯不亮")
wait_for "the street light case is routed" 10 field_is "$ref2" .status routed
gridctl dept resolve "$ref2" --dept municipal >/dev/null
expect_fail "a reopen needs a reason" "reason" gridctl verify "$ref2" --reopen
expect_ok "the grid reopens it with a reason" gridctl verify "$ref2" --reopen --note "晚上还是不亮"
wait_for "the reopened case is delivered to municipal again" 10 \
    bash -c "grep \"\\\"case_ref\\\":\\\"$ref2\\\"\" '$listen_out' | grep -q '\"reason\":\"reopened\"'"
expect_eq "reopened case has a fresh deadline" "$(case_field "$ref2" '[.status, (.deadline_at != null)] | @tsv')" $'routed\ttrue'

# idempotency: the same key twice is one case
k="key-$RANDOM-$$"
a=$(gridctl submit --key "$k" --category street_vending --grid 4101010102 --desc "占道经营")
b=$(gridctl submit --key "$k" --category street_vending --grid 4101010102 --desc "占道经营")
expect_eq "resubmitting one idempotency key returns the same case" "$b" "$a"
expect_eq "and stores one case" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key = '$k'")" "1"

# a case no rule matches goes to the street's triage queue
ref3=$(gridctl submit --category neighbour_dispute --grid 4101010102 --desc "楼上漏水引发邻里纠纷")
wait_for "a neighbour dispute goes to triage" 10 field_is "$ref3" .status triage
expect_ok "the grid leader resolves it on the spot" gridctl spot "$ref3" --note "当面调解"
expect_eq "closed on the spot" "$(case_field "$ref3" '[.status, .timeline[-1].kind] | @tsv')" $'closed\tresolved_on_spot'
kill $listener 2>/dev/null
