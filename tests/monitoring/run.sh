#!/usr/bin/env bash
# The monitoring kit of deploy/monitoring/ against the real tools: promtool checks the Prometheus
# configuration and the alert rules and runs their unit tests; then a private stack with a few
# cases, scraped by a real Prometheus started here, shows that the figures reach Prometheus
# unchanged, that every metric the dashboard and the alerts name exists, that every dashboard
# query runs (PromQL through Prometheus, SQL as the dashboards' role gridcase_dashboard), that
# Prometheus loads and evaluates the alert rules, and that a consumer falling behind and a daemon
# going down show where the alerts look for them.
# Usage: tests/monitoring/run.sh BIN_DIR. TAP-style lines; exits non-zero on any failure.
# Settings: GC_PORT_BASE (a free block of 10 ports is found from one derived from the process id
# when unset), PROMETHEUS (default prometheus), PROMTOOL (default promtool).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bin=$(cd "${1:?usage: tests/monitoring/run.sh BIN_DIR}" && pwd)
export PATH="$bin:$PATH"
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
mon=deploy/monitoring
dashboard=$mon/grafana/dashboards/gridcase.json
promtool=${PROMTOOL:-promtool}
prometheus=${PROMETHEUS:-prometheus}
started=$SECONDS

# --- the files alone ---------------------------------------------------------------------------
expect_ok "promtool check config $mon/prometheus.yml (and the rule files it names)" \
    "$promtool" check config "$mon/prometheus.yml"
expect_ok "promtool check rules $mon/alerts.yml" "$promtool" check rules "$mon/alerts.yml"
expect_ok "promtool test rules $mon/alerts_test.yml: each alert fires and stays silent" \
    "$promtool" test rules "$mon/alerts_test.yml"
expect_ok "the dashboard is JSON with schemaVersion 39" \
    jq -e '.schemaVersion == 39 and (.panels | length) > 0' "$dashboard"
expect_eq "the dashboard's data sources are the provisioned ones, by uid" \
    "$(jq -r '[.. | objects | select(has("datasource")) | .datasource | objects | .uid] | unique | join(" ")' "$dashboard")" \
    "$(grep -o 'uid: [a-z-]*' "$mon/grafana/provisioning/datasources/gridcase.yml" | cut -d' ' -f2 | sort | tr '\n' ' ' | sed 's/ $//')"

# --- a stack and a Prometheus -------------------------------------------------------------------
# Ten ports: the stack's (BASE to BASE+6) and Prometheus' (BASE+9), in a block nobody listens on.
# a port is in use when a connection to it succeeds (bash's /dev/tcp: no tool needed)
port_used() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
block_free() { local p; for p in $(seq "$1" $(($1 + 9))); do port_used "$p" && return 1; done; return 0; }
if [ -n "${GC_PORT_BASE:-}" ]; then
    base=$GC_PORT_BASE
else
    base=$((24000 + ($$ % 100) * 10))
    for _ in $(seq 100); do block_free "$base" && break; base=$((24000 + (base - 24000 + 10) % 1000)); done
fi
block_free "$base" || { not_ok "ports $base to $((base + 9)) are free"; exit 1; }
export GC_VAR="var/monitoring-$$" GC_PORT_BASE=$base GC_STATS_INTERVAL_MS=300
state="$GC_VAR/prometheus"
prom_port=$((base + 9))
prom="http://127.0.0.1:$prom_port"
prom_pid=""
cleanup() {
    if [ -n "$prom_pid" ]; then
        kill -TERM "$prom_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$prom_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$prom_pid" 2>/dev/null
    fi
    deploy/stack.sh down > /dev/null 2>&1
    if [ "$failures" -eq 0 ]; then
        rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")" "$GC_VAR"
    else
        echo "# logs kept in $GC_VAR/log and $state/prometheus.log"
    fi
}
trap cleanup EXIT

mkdir -p "$GC_VAR"
if ! deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1; then
    not_ok "the stack starts" "$(tail -20 "$GC_VAR/up.log")"
    exit 1
fi
ok "the stack starts (ports from $base)"
# shellcheck disable=SC1091
. "$GC_VAR/env"
board=${GC_BOARD_BIND:-}   # gc-board's /metrics, when the stack runs it

# Prometheus with the kit's configuration, its targets moved to the stack's ports, scraping and
# evaluating every second.
mkdir -p "$state"
cp "$mon/alerts.yml" "$state/alerts.yml"
sed -e "s/\"stats:7105\"/\"127.0.0.1:$((base + 5))\"/" -e "s/\"board:7106\"/\"127.0.0.1:$((base + 6))\"/" \
    -e 's/^  scrape_interval: 15s$/  scrape_interval: 1s/' \
    -e 's/^  evaluation_interval: 15s$/  evaluation_interval: 1s/' \
    "$mon/prometheus.yml" > "$state/prometheus.yml"
expect_eq "the test's configuration is the kit's with its two targets and intervals rewritten" \
    "$(diff "$mon/prometheus.yml" "$state/prometheus.yml" | grep -c '^>')" "4"
setsid "$prometheus" --config.file="$state/prometheus.yml" --storage.tsdb.path="$state/data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$state/prometheus.log" 2>&1 < /dev/null &
prom_pid=$!
ready() { [ "$(http_get "$prom/-/ready" | head -1)" = 200 ]; }
wait_for "Prometheus is ready on port $prom_port" 30 ready || exit 1

q() { tests/monitoring/check.py query "$prom" "$1"; }
q_is() { [ "$(q "$1")" = "$2" ]; }
wait_for "Prometheus scrapes gc-stats: up{job=\"gridcase-stats\"} is 1" 30 q_is 'up{job="gridcase-stats"}' 1
if [ -n "$board" ]; then
    wait_for "Prometheus scrapes gc-board: up{job=\"gridcase-board\"} is 1" 30 q_is 'up{job="gridcase-board"}' 1
else
    ok "# SKIP gc-board: this stack does not run it (no GC_BOARD_BIND)"
fi

# --- cases, and the figures through Prometheus ---------------------------------------------------
gridctl role-login gridcase_dashboard
a=$(gridctl submit --category drain_cover --grid 4101010101 --desc "井盖破损")
b=$(gridctl submit --category street_light --grid 4101010102 --desc "路灯不亮")
c=$(gridctl submit --category neighbour_dispute --grid 4101020303 --desc "邻里纠纷")
wait_for "the cases are routed or triaged" 15 bash -c \
    "for r in $a $b $c; do gridctl show \$r --json | jq -e '.status == \"routed\" or .status == \"triage\"' >/dev/null || exit 1; done"
gridctl spot "$c" --note "当场调解" > /dev/null  # a closed case: the rates and close times have data
wait_for "the stream counts the district's 3 cases, 1 closed" 15 \
    bash -c "[ \"\$(gridctl stats --area 4101 --json --timeout 5 | jq -r '.windows[] | select(.window == \"all\") | .figures | \"\(.reported) \(.closed)\"')\" = '3 1' ]"
reported=$(stat 4101 reported)
wait_for "Prometheus: sum(gridcase_reported_total{area=\"4101\"}) = the stream's reported ($reported)" 15 \
    q_is 'sum(gridcase_reported_total{area="4101"})' "$reported"
expect_eq "Prometheus: the district's 化解率 is the stream's" \
    "$(q 'gridcase_closed_of_reported_rate{area="4101"}')" "$(stat 4101 closed_of_reported_rate.percent)"

# --- the names the dashboard and the alerts use exist ------------------------------------------------
pages=("http://$GC_METRICS_BIND/metrics")
[ -n "$board" ] && pages+=("http://$board/metrics")
exposed=$(tests/monitoring/check.py exposed "${pages[@]}")
rules=$(tests/monitoring/check.py rules "$prom")
used=$( {
    AREA=4101 tests/monitoring/check.py targets "$dashboard" | jq -r 'select(.ds == "prometheus") | .query'
    grep '^#query ' <<<"$rules"
} | tests/monitoring/check.py metric-names)
missing=$(comm -23 <(sort <<<"$used") <(sort <<<"$exposed"))
skipped=""
[ -z "$board" ] && skipped=$(grep '^gridcase_board_' <<<"$missing") && missing=$(grep -v '^gridcase_board_' <<<"$missing")
expect_eq "every metric of the dashboard and the alerts ($(wc -l <<<"$used") names) is on /metrics" "$missing" ""
[ -n "$skipped" ] && ok "# SKIP gc-board's metrics, not running here: $(tr '\n' ' ' <<<"$skipped")"

# --- every dashboard query runs ---------------------------------------------------------------------
area_name=$(tests/monitoring/check.py area-variable "$prom" "$dashboard" 4101)
expect_eq "the area variable (query_result and regex) lists the district by its name" \
    "$area_name" "$(gridctl areas --json | jq -r '.[] | select(.code == "4101") | .name')"
export AREA=4101 AREA_NAME=$area_name WINDOW=all
targets=$(tests/monitoring/check.py targets "$dashboard")
verdicts=$(tests/monitoring/check.py run-promql "$prom" <<<"$targets")
[ -z "$board" ] && verdicts=$(grep -v 'gridcase_board_' <<<"$verdicts")
expect_eq "every dashboard PromQL query ($(wc -l <<<"$verdicts")) runs and returns series" \
    "$(grep -v '^ok ' <<<"$verdicts")" ""
dash_dsn="host=127.0.0.1 port=$base user=gridcase_dashboard dbname=gridcase"
sql_bad="" sql_n=0
while read -r t; do
    sql_n=$((sql_n + 1))
    rows=$(psql "$dash_dsn" -v ON_ERROR_STOP=1 -qtA -c "$(jq -r .query <<<"$t")" 2>&1) \
        || { sql_bad+="$(jq -r .title <<<"$t"): $rows; "; continue; }
    [ -n "$rows" ] || sql_bad+="$(jq -r .title <<<"$t"): no rows; "
done < <(jq -c 'select(.ds == "sql")' <<<"$targets")
expect_eq "every dashboard SQL query ($sql_n) runs as gridcase_dashboard and returns rows" "$sql_bad" ""

# --- the alert rules in Prometheus ---------------------------------------------------------------------
sleep 2  # two evaluations of every rule since the cases
rules=$(tests/monitoring/check.py rules "$prom")
expect_eq "Prometheus loaded the alerts" "$(grep -v '^#' <<<"$rules" | cut -d' ' -f1 | sort | tr '\n' ' ')" \
    "GridcaseConsumerBehind GridcaseDaemonDown GridcaseDepartmentUnacknowledged GridcaseOverdueRising GridcaseStatsStale GridcaseSupervised "
expect_eq "and evaluates each without error" "$(grep -v '^#' <<<"$rules" | grep -v ' ok ""$')" ""

# --- a consumer behind, a daemon down ------------------------------------------------------------------
lag_sql() { sql "SELECT s.last_seq - c.last_seq FROM consumer_cursors c, event_streams s WHERE s.stream = 'case' AND c.consumer = '$1'"; }
wait_for "gridcase_consumer_lag_events: routing, escalation and stats caught up (0)" 15 \
    q_is 'count(gridcase_consumer_lag_events == 0)' 3
kill -TERM "$(cat "$GC_VAR/run/routing.pid")"
for _ in $(seq 50); do kill -0 "$(cat "$GC_VAR/run/routing.pid")" 2>/dev/null || break; sleep 0.1; done
gridctl submit --category drain_cover --grid 4101010201 --desc "井盖又坏" > /dev/null
gridctl submit --category drain_cover --grid 4101020101 --desc "井盖缺失" > /dev/null
wait_for "stats folds the new cases" 15 stat_is 4101 reported 5
behind=$(lag_sql routing)
expect_ok "routing stopped: the log is ahead of its cursor ($behind events)" test "$behind" -ge 2
wait_for "Prometheus: gridcase_consumer_lag_events{consumer=\"routing\"} = $behind, as the database says" 15 \
    q_is 'gridcase_consumer_lag_events{consumer="routing"}' "$behind"
kill -TERM "$(cat "$GC_VAR/run/stats.pid")"
wait_for "gc-stats stopped: up{job=\"gridcase-stats\"} is 0" 15 q_is 'up{job="gridcase-stats"}' 0
wait_for "and GridcaseDaemonDown is pending for it" 15 \
    q_is 'ALERTS{alertname="GridcaseDaemonDown",alertstate="pending",job="gridcase-stats"}' 1

echo "# tests/monitoring: $((SECONDS - started)) s"
echo "1..$checks"
[ "$failures" -eq 0 ]
