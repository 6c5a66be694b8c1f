# The statistics are exactly right: a random workload takes 240 cases through every path
# (closed on the spot at the grid and at the community, accepted, resolved and verified,
# reopened, misrouted, escalated on request and by deadline, extended, closed by a joint meeting
# or given to joint enforcement,
# left open in several statuses past several deadlines) while gc-stats is killed with SIGKILL
# three times and restarted. Then every figure gc-stats publishes (docs/STATISTICS.md: every
# count, rate with its fraction, time, category row, leader row and backlog, for every area,
# department and current window) must equal the from-scratch SQL count over the event log
# (stats_recount.sql), and so must every figure of the SQL views and of /metrics; medians and
# p90s, read from 2%-wide buckets, must be within 2% of percentile_disc.
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
    case $((i % 10)) in
    0) gridctl spot "$ref" --note "网格长当场解决" ;;
    1) gridctl dept accept "$ref" --dept "$dept" && gridctl dept resolve "$ref" --dept "$dept" &&
       gridctl verify "$ref" --ok ;;
    2) gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --reopen --note "没修好" &&
       gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --ok ;;
    3) gridctl dept return "$ref" --dept "$dept" --note "不归我们管" ;;
    4) gridctl escalate "$ref" --reason "网格协调不了" && sleep 1 &&
       gridctl dept resolve "$ref" --dept "$dept" && gridctl verify "$ref" --ok ;;
    5) gridctl dept accept "$ref" --dept "$dept" &&           # left open: accepted or in progress
       { [ $((i % 20)) -lt 10 ] || gridctl dept progress "$ref" --dept "$dept"; } &&
       gridctl dept extend "$ref" --dept "$dept" --hours 24 --note "等配件" &&
       gridctl extension "$ref" --grant ;;
    6) gridctl escalate "$ref" --reason "社区协调不了" && sleep 1 &&
       gridctl escalate "$ref" --reason "社区协调不了" && sleep 1 &&
       if [ $((i % 20)) -lt 10 ]; then gridctl meeting "$ref" --close --reason "联席会议调解结案"
       else gridctl meeting "$ref" --assign "$dept,cityman"; fi ;;  # joint enforcement: the lead
                                                       # is delivered a case it already had
    7) gridctl dept resolve "$ref" --dept "$dept" ;;   # resolved, never verified: still open
    8) ;;                                              # left alone: it will miss its deadlines
    9) gridctl escalate "$ref" --reason "网格调解不成" && sleep 1 &&   # 小事不出社区
       gridctl spot "$ref" --level community --note "社区调委会当场调解" ;;
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
awk '$1 % 10 == 8 && $1 % 20 < 10' "$jobs_file" | xargs -P 6 -L 1 bash -c 'late "$@" >/dev/null 2>&1; true' _
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
    "$(sql "SELECT count(DISTINCT kind) FROM case_events WHERE kind IN ('resolved_on_spot', 'accepted', 'verified', 'reopened', 'returned', 'escalated', 'supervised', 'extension_granted', 'meeting_decided', 'joint_assigned')")" "10"
ours="c.description = 'gc-load' AND c.area_code IN ('4101010102', '4101010203', '4101020102', '4101010104')"
expect_eq "some cases were closed on the spot by their community's leader" \
    "$(sql "SELECT count(*) > 0 FROM case_events e JOIN cases c ON c.id = e.case_id WHERE $ours AND e.kind = 'resolved_on_spot' AND e.level = 'community'")" "t"
expect_eq "cases are left open in every status a case can wait in" \
    "$(sql "SELECT string_agg(DISTINCT c.status, ',' ORDER BY c.status) FROM cases c WHERE $ours AND c.status <> 'closed'")" \
    "accepted,in_progress,resolved,routed,triage"
expect_eq "and some of them are past their deadline now" \
    "$(sql "SELECT count(*) > 0 FROM cases c WHERE $ours AND c.status NOT IN ('closed', 'resolved') AND c.deadline_at < gc_now()")" "t"

# ---- the stream and the views against the recount, figure by figure ------------------------
out="$GC_VAR/truth"
compared=$(tests/integration/stats_compare.sh "$out")
echo "# $compared"
figures=$(wc -l < "$out/recount.txt")
if [ -s "$out/stream.diff" ]; then
    not_ok "the stream: every figure equals the recount" \
        "$(grep -c '^[<>]' "$out/stream.diff") lines differ (< recount, > stream):"$'\n'"$(grep '^[<>]' "$out/stream.diff" | head -30)"
else ok "the stream: every figure equals the recount ($figures exact figures)"; fi
if [ -s "$out/views.diff" ]; then
    not_ok "the views: every figure equals the recount" \
        "$(grep -c '^[<>]' "$out/views.diff") lines differ (< recount, > views):"$'\n'"$(grep '^[<>]' "$out/views.diff" | head -30)"
else ok "the views: every figure equals the recount ($figures exact figures)"; fi
expect_eq "the recount covers every area, department and figure" \
    "$(awk '{print $1}' "$out/recount.txt" | sort -u | wc -l)" \
    "$(( $(sql "SELECT count(*) FROM areas") + $(sql "SELECT count(*) FROM departments") ))"

# medians and p90s: within 2% of percentile_disc over the same durations (0 s exactly 0)
quantiles() { # SOURCE: prints the worst relative error, or what is missing or too far
    join -j1 <(awk '{print $1 "|" $2 "|" $3, $4}' "$out/recount_q.txt") \
             <(awk '{print $1 "|" $2 "|" $3, $4}' "$out/$1_q.txt") -a1 -a2 -e MISSING -o 0,1.2,2.2 |
    awk '{ r = $2; p = $3
           if (r == "MISSING" || p == "MISSING") { bad = bad " " $1 " recount " r " " src " " p; next }
           e = (r == 0) ? (p == 0 ? 0 : 1) : (p - r) / r; if (e < 0) e = -e
           if (e > worst) { worst = e; at = $1 " recount " r " " src " " p }
           if (e > 0.02) bad = bad " " $1 " recount " r " " src " " p; n++ }
         END { if (bad != "") print "TOO FAR:" bad; else printf "%d quantiles, worst %.3f%% (%s)\n", n, 100 * worst, at }' src="$1"
}
for src in published views; do
    q=$(quantiles "$src")
    if [ "$(wc -l < "$out/recount_q.txt")" -gt 0 ] && [ "${q#TOO FAR}" = "$q" ]; then
        ok "the $src medians and p90s are within 2% of percentile_disc: $q"
    else
        not_ok "the $src medians and p90s are within 2% of percentile_disc" "$q"
    fi
done

# the figures show every path, and what the rates are for
expect_eq "the district's all-time figures show every path" \
    "$(grep -E '^4101 all (supervised|reopened|misrouted|extended|resolved_on_spot|missed_deadline|closed_at_community|closed_at_street|closed_at_district|escalated_to_district) ' "$out/published.txt" | awk '$4 > 0' | wc -l)" "10"
expect_eq "some cases closed late: closed on time is less than closed" \
    "$(awk '$1 == "4101" && $2 == "all" && $3 == "closed" {c=$4} $1 == "4101" && $2 == "all" && $3 == "closed_on_time" {t=$4} END {print (t < c) ? "yes" : "no"}' "$out/published.txt")" "yes"
expect_eq "a rate without data is absent, and compared as such" \
    "$(grep -c ' today closed_of_reported_rate null$' "$out/published.txt" | awk '{print ($1 > 0) ? "yes" : "no"}')" "yes"
# each lead department of this test's cases (other tests in the lane may add departments of
# their own: t_node_client does)
leads=$(for c in "${combos[@]}"; do set -- $c; echo "$3"; done | paste -sd'|')
expect_eq "the departments' response times were measured" \
    "$(grep -cE "^dept/($leads) all (accept|resolve)_seconds\.cases [1-9]" "$out/published.txt")" "8"

# ---- /metrics: every all-time sample against the recount -------------------------------------
metrics=$(http_get "http://$GC_METRICS_BIND/metrics")
expect_eq "GET /metrics answers 200" "$(head -1 <<<"$metrics")" "200"
# the areas with series (down to GC_METRICS_AREA_LEVEL) and their recounted all-time figures
shown=$(sed -nE 's/^gridcase_area_info\{area="([0-9]+)".*/\1/p' <<<"$metrics" | sort -u)
counters="reported resolved closed reopened escalated_to_community escalated_to_street escalated_to_district missed_deadline supervised misrouted extended due closed_on_time closed_at_grid closed_at_community closed_at_street closed_at_district resolved_on_spot open"
want() {
    awk -v shown="$shown" -v counters="$counters" '
        BEGIN { n = split(shown, a, "\n"); for (i = 1; i <= n; i++) s[a[i]] = 1
                n = split(counters, c, " "); for (i = 1; i <= n; i++) k[c[i]] = 1 }
        $3 !~ /^category\// && ($1 in s || $1 ~ /^dept\//) && (($2 == "all" && ($3 in k || $3 ~ /_rate\.percent$|_seconds\.(cases|mean)$/ ||
                                          ($1 ~ /^dept\// && $3 ~ /^(handled|resolved|resolved_on_time|reopened|misrouted|extended)$/))) ||
                                         ($2 == "now" && $3 ~ /^backlog\./))' "$out/recount.txt" |
        awk '!($3 == "open" && $1 ~ /^dept\//)' | sort
}
got() { # the samples as recount lines: counters summed over categories, a percent x 100
    grep -E '^gridcase_' <<<"$metrics" | grep -vE '_info\{|^gridcase_(build_info|stats_event_seq|consumer_lag_events)|_seconds_(median|p90)\{' |
    sed -E 's/^gridcase_([a-z0-9_]+)\{([^}]*)\} (.*)$/\1 \2 \3/' |
    awk -v want="$1" '
        { name = $1; labels = $2; v = $3
          area = labels; sub(/.*area="/, "", area); sub(/".*/, "", area)
          dept = labels; sub(/.*department="/, "", dept); sub(/".*/, "", dept)
          key = (labels ~ /department=/) ? "dept/" dept : area; win = "all"
          if (name ~ /^department_/) sub(/^department_/, "", name)
          if (name ~ /^backlog_open_by_status$/) { st = labels; sub(/.*status="/, "", st); sub(/".*/, "", st)
              name = "backlog.by_status." st; win = "now" }
          else if (name ~ /^backlog_/) { sub(/^backlog_/, "backlog.", name); win = "now" }
          else if (name ~ /_total$/) sub(/_total$/, "", name)
          else if (name ~ /_rate$/) { name = name ".percent"; v = sprintf("%.0f", v * 100) }
          else if (name ~ /_seconds_cases$/) sub(/_cases$/, ".cases", name)
          else if (name ~ /_seconds_mean$/) { sub(/_mean$/, ".mean", name); v = sprintf("%.0f", v * 100) }
          s[key " " win " " name] += v }
        END { while ((getline line < want) > 0) { split(line, f, " "); k = f[1] " " f[2] " " f[3]
                  print k, (k in s) ? s[k] : (f[3] ~ /\./ ? "absent" : 0); seen[k] = 1 }
              for (k in s) if (!(k in seen)) print k, s[k], "(not in the recount)" }' | sort
}
want > "$out/metrics_want.txt"
got "$out/metrics_want.txt" > "$out/metrics.txt"
if diff "$out/metrics_want.txt" "$out/metrics.txt" > "$out/metrics.diff"; then
    ok "every all-time and backlog sample of /metrics equals the recount ($(wc -l < "$out/metrics.txt") samples)"
else
    not_ok "every all-time and backlog sample of /metrics equals the recount" \
        "(< recount, > /metrics)"$'\n'"$(grep '^[<>]' "$out/metrics.diff" | head -20)"
fi
stream_of() { awk -v k="$1" -v w="$2" -v f="$3" '$1 == k && $2 == w && $3 == f {print $4}' "$out/published.txt"; }
expect_eq "the district's 结案率 on /metrics is the stream's all-time percent" \
    "$(sed -nE 's/^gridcase_closed_of_due_rate\{area="4101",level="district"\} (.*)$/\1/p' <<<"$metrics" | awk '{printf "%.0f", $1 * 100}')" \
    "$(stream_of 4101 all closed_of_due_rate.percent)"
expect_eq "the district's open cases past their deadline on /metrics are the stream's" \
    "$(sed -nE 's/^gridcase_backlog_overdue_now\{area="4101",level="district"\} (.*)$/\1/p' <<<"$metrics")" \
    "$(stream_of 4101 now backlog.overdue_now)"
echo "# compared $figures exact figures in the stream and as many in the views, $(wc -l < "$out/recount_q.txt") quantiles in each, $(wc -l < "$out/metrics.txt") /metrics samples"
