# chaos_quiet [PREFIX...] (sourced by tests/chaos/run.sh and tests/failover/run.sh): true once
# nothing moves any more: every consumer at the event log's end, both department clients caught
# up, no chaos case left resolved (the grid leaders verify them), the stats stream's heartbeat at
# the log's end, and the log still there 2 s later. PREFIX runs gridctl where the stack is (the
# failover run's network namespace); sql QUERY must be defined by the caller.
# shellcheck shell=bash
chaos_quiet() {
    local last
    last=$(sql "SELECT last_seq FROM event_streams")
    [ -n "$last" ] &&
    [ "$(sql "SELECT count(*) FROM consumer_cursors WHERE last_seq <> $last")" = 0 ] &&
    [ "$(sql "SELECT count(*) FROM department_delivery_state WHERE department IN ('municipal', 'cityman') AND acked_seq <> last_seq")" = 0 ] &&
    [ "$(sql "SELECT count(*) FROM cases WHERE status = 'resolved' AND description = 'chaos'")" = 0 ] &&
    [ "$("$@" gridctl stats --heartbeat --json --timeout 5 | jq -r .event_seq)" = "$last" ] &&
    sleep 2 && [ "$(sql "SELECT last_seq FROM event_streams")" = "$last" ]
}
