# Helpers for the integration tests (sourced). Each check prints one TAP-style line.
# shellcheck shell=bash
failures=0
checks=0

ok() { checks=$((checks + 1)); echo "ok $checks - $1"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $1"; shift; [ $# -gt 0 ] && echo "#   $*"; return 0; }

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}

# expect_ok NAME COMMAND...: the command exits 0
expect_ok() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$* failed: $out"; fi
}

# expect_fail NAME PATTERN COMMAND...: the command exits non-zero and says PATTERN
expect_fail() {
    local name=$1 pattern=$2; shift 2
    local out
    if out=$("$@" 2>&1); then not_ok "$name" "$* succeeded: $out"
    elif grep -q -- "$pattern" <<<"$out"; then ok "$name"
    else not_ok "$name" "expected '$pattern' in: $out"; fi
}

# wait_for NAME SECONDS COMMAND...: retries the command every 0.1 s until it succeeds
wait_for() {
    local name=$1 deadline=$((SECONDS + $2)); shift 2
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge "$deadline" ]; then not_ok "$name" "timed out waiting for: $*"; return 1; fi
        sleep 0.1
    done
    ok "$name"
}

# case_field REF JQ_FILTER: a field of `gridctl show REF --json`
case_field() { gridctl show "$1" --json | jq -r "$2"; }

# field_is REF JQ_FILTER VALUE: for wait_for
field_is() { [ "$(case_field "$1" "$2")" == "$3" ]; }

# stat AREA FIGURE: a figure of the area's all-time window
stat() { gridctl stats --area "$1" --json --timeout 5 | jq -r ".windows[] | select(.window == \"all\") | .figures.$2"; }
stat_is() { [ "$(stat "$1" "$2")" == "$3" ]; }

# sql QUERY: one value from the database
sql() { psql "$GC_PG_DSN" -tAc "$1"; }
# hold_counter_then_lock REF ROLE: in the background, a session that takes the event counter as
# the writers that take it first do, waits (up to 30 s) until a session of ROLE waits for a lock,
# notes what that session has written ("waiter: TABLE,..." in $GC_VAR/holder.out, "no waiter"
# if none came), holds on 0.3 s more, then locks case REF as writers lock cases, and commits; its
# pid in $holder. Waiting for the waiter, not for a fixed time, keeps the hold shorter than a
# daemon's wait for one statement (GC_PG_TIMEOUT_MS) however slow the machine. deadlocks prints
# how many deadlocks PostgreSQL has reported so far.
hold_counter_then_lock() {
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -qtA > "$GC_VAR/holder.out" 2>&1 <<SQL &
BEGIN;
SELECT gc_lock_event_stream();
DO \$\$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot(); -- else the transaction sees its first reading only
        EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = '$2' AND wait_event_type = 'Lock');
        PERFORM pg_sleep(0.05);
    END LOOP;
END
\$\$;
SELECT coalesce('waiter: ' || (SELECT string_agg(DISTINCT l.relation::regclass::text, ',' ORDER BY l.relation::regclass::text)
                               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                               WHERE a.usename = '$2' AND a.wait_event_type = 'Lock' AND l.granted
                                 AND l.mode = 'RowExclusiveLock' AND l.locktype = 'relation'),
                'no waiter');
SELECT pg_sleep(0.3);
SELECT ref FROM cases WHERE ref = '$1' FOR NO KEY UPDATE;
COMMIT;
SQL
    holder=$!
}
# holding_counter: the holder has the counter (its DO block runs)
holding_counter() { [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND query LIKE 'DO %'")" = 1 ]; }
deadlocks() { grep -c "deadlock detected" "$GC_VAR/pg/pgdata/server.log" || true; }

# http_get URL: prints the HTTP status on the first line, then the body (a reader that stops
# early, like head -1, is fine)
http_get() {
    python3 - "$1" 2>/dev/null <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); sys.stdout.write(e.read().decode())
PY
}
