# The statistics are exactly right: a random workload takes 240 cases through every path
# (closed on the spot, resolved and verified, reopened, misrouted, escalated on request and by
# deadline, extended, closed by a joint meeting, left open past several deadlines) while gc-stats
# is killed with SIGKILL three times and restarted. Then every figure gc-stats publishes, for
# every area, department and window, must equal the from-scratch SQL computation over the event
# log (stats_recount.sql), and so must the rows behind /metrics and the Grafana views.
kill_stats() { kill -KILL "$(cat "$GC_VAR/run/stats.pid")" 2>/dev/null; }
restart_stats() { deploy/stack.sh up "$bin" >/dev/null; }

# 60 cases in each of four (grid, category, lead department) combinations
combos=("4101010102 street_light municipal" "4101010203 dirty_surroundings sanitation"
        "4101020102 public_security police" "4101010104 green_space landscaping")
for c in "${combos[@]}"; do
    set -- $c
    gc-load submit "$GC_INTAKE_URL" 60 "$1" "$2" > /dev/null 2>&1 || not_ok "60 cases submitted in $1"
done
wait_for "all 240 cases are routed" 90 bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM cases WHERE description = 'gc-load' AND status = 'routed' AND area_code IN ('4101010102', '4101010203', '4101020102', '4101010104')\") -ge 240 ]"

# one path per case, chosen by its position; refused commands (a path that no longer applies)
# change nothing and are part of the test
path() {
    local i=$1 ref=$2 dept=$3
    case $((i % 9)) in
    0) gridctl spot "$ref" --note "网格长当场解决" ;;
    1) gridctl dept accept "$ref" --dept "$dept" && gridctl dept resolve "$ref" --dept "$dept" &&
       gridctl verify "$ref" --ok ;;
    2) gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --reopen --note "没修好" &&
       gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --ok ;;
    3) gridctl dept return "$ref" --dept "$dept" --note "不归我们管" ;;
    4) gridctl escalate "$ref" --reason "网格协调不了" && sleep 1 &&
       gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --ok ;;
    5) gridctl dept extend "$ref" --dept "$dept" --hours 24 --note "等配件" &&
       gridctl extension "$ref" --grant ;;
    6) gridctl escalate "$ref" --reason "社区协调不了" && sleep 1 &&
       gridctl escalate "$ref" --reason "社区协调不了" && sleep 1 &&
       gridctl meeting "$ref" --close --reason "联席会议调解结案" ;;
    7) gridctl dept resolve "$ref" --dept "$dept" ;;   # resolved, never verified: still open
    *) ;;                                              # left alone: it will miss its deadlines
    esac
}
export -f path
jobs_file="$GC_VAR/truth-jobs"
: > "$jobs_file"
for c in "${combos[@]}"; do
    set -- $c
    sql "SELECT row_number() OVER (ORDER BY id) || ' ' || ref FROM cases WHERE area_code = '$1' AND description = 'gc-load' ORDER BY id" |
        while read -r i ref; do echo "$i $ref $3"; done >> "$jobs_file"
done
expect_eq "240 cases to take through their paths" "$(wc -l < "$jobs_file")" "240"
xargs -P 6 -L 1 bash -c 'path "$@" >/dev/null 2>&1; true' _ < "$jobs_file" &
workload=$!
sleep 2; kill_stats; sleep 1; restart_stats
sleep 2; kill_stats; restart_stats
wait $workload
# deadlines pass: open cases climb, the public-security ones (2 h + 4 h + 12 h + 24 h) up to
# supervision at the district; stats is killed while escalation catches up
gridctl clock advance $((30 * 3600)) >/dev/null
sleep 0.5; kill_stats; restart_stats
# late work: half of the cases left alone are resolved and closed after missing deadlines
late() { gridctl dept resolve "$2" --dept "$3" && gridctl verify "$2" --ok; }
export -f late
wait_for "the cases left alone have missed a deadline" 60 bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM cases WHERE description = 'gc-load' AND level <> 'grid' AND area_code IN ('4101010102', '4101010203', '4101020102', '4101010104')\") -gt 0 ]"
awk '$1 % 9 == 8 && $1 % 2 == 0' "$jobs_file" | xargs -P 6 -L 1 bash -c 'late "$@" >/dev/null 2>&1; true' _
gridctl clock advance $((60 * 3600)) >/dev/null

# quiet: nothing more happens, and stats has folded everything
settled() {
    local last hb
    last=$(sql "SELECT last_seq FROM event_streams")
    hb=$(gridctl stats --heartbeat --json --timeout 5 | jq -r .event_seq)
    [ "$hb" = "$last" ] && sleep 1.5 && [ "$(sql "SELECT last_seq FROM event_streams")" = "$last" ] &&
        [ "$(gridctl stats --heartbeat --json --timeout 5 | jq -r .event_seq)" = "$last" ]
}
wait_for "stats has folded the whole event log" 120 settled
expect_eq "the workload went through every path" \
    "$(sql "SELECT count(DISTINCT kind) FROM case_events WHERE kind IN ('resolved_on_spot', 'verified', 'reopened', 'returned', 'escalated', 'supervised', 'extension_granted', 'meeting_decided')")" "8"

mkdir -p "$GC_VAR/truth"
published="$GC_VAR/truth/published.txt" recount="$GC_VAR/truth/recount.txt"
if compared=$(tests/integration/stats_compare.sh "$GC_VAR/truth"); then
    ok "every published figure equals the from-scratch count ($compared)"
else
    not_ok "every published figure equals the from-scratch count" "$compared"
fi
figures=$(wc -l < "$recount")
expect_eq "every recounted figure was published" "$(wc -l < "$published")" "$figures"
echo "# compared $figures figures (areas x windows x figures, departments x windows x figures)"
expect_eq "the district's all-time figures show every path" \
    "$(grep -E '^4101 all (supervised|reopened|misrouted|extended|resolved_on_spot|overdue) ' "$published" | awk '$4 > 0' | wc -l)" "6"
expect_eq "some cases closed late: closed on time is less than closed" \
    "$(awk '$1 == "4101" && $2 == "all" && $3 == "closed" {c=$4} $1 == "4101" && $2 == "all" && $3 == "closed_on_time" {t=$4} END {print (t < c) ? "yes" : "no"}' "$published")" "yes"

# the same figures for Grafana: the view over the folded table agrees with the recount
expect_eq "the dashboard view agrees with the recount" \
    "$(sql "SELECT reported || ' ' || closed || ' ' || overdue || ' ' || due FROM stats_area_figures WHERE area_code = '4101' AND window_kind = 'all'")" \
    "$(awk '$1 == "4101" && $2 == "all" && $3 == "reported" {r=$4} $1 == "4101" && $2 == "all" && $3 == "closed" {c=$4}
            $1 == "4101" && $2 == "all" && $3 == "overdue" {o=$4} $1 == "4101" && $2 == "all" && $3 == "due" {d=$4}
            END {print r " " c " " o " " d}' "$recount")"
