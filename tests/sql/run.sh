#!/usr/bin/env bash
# The PL/pgSQL layer's own tests, against a private PostgreSQL cluster.
#   tests/sql/run.sh BIN_DIR test   pgTAP: pg_prove over tests/sql/t_*.sql (make sqltest)
#   tests/sql/run.sh BIN_DIR lint   plpgsql_check over every PL/pgSQL function (make lint)
#
# Both start a cluster of their own (deploy/pg.sh) in var/sqltest-PID on a free port, apply the
# schema with `BIN_DIR/gridctl migrate` from the repository's default directory (GC_SCHEMA_DIR
# unset, whatever the caller's environment says), and stop and remove the cluster on exit,
# whatever happened.
#
# test: CREATE EXTENSION pgtap and dblink (t_event_append.sql's concurrent writers connect back
# to the same database through it), then pg_prove. Each t_*.sql file runs in a transaction it
# rolls back, so the files do not see each other's data (t_event_append.sql commits its
# concurrent writers' data through dblink and removes it again).
#
# lint: CREATE EXTENSION plpgsql_check, then tests/sql/lint.sql checks every PL/pgSQL function
# in schema public whose name starts with gc_ with plpgsql_check_function_tb (a trigger function
# once per table it fires on, found in pg_trigger). What it checks, statically, without running
# anything (fatal_errors off, so every function is checked to its end):
#  * errors: every embedded SQL statement is prepared, so a misspelt or dropped table, column
#    or function, a wrong argument type or a syntax error is found; a record read before it
#    is assigned;
#  * other_warnings: assignments and INTO targets whose types convert only through text (an
#    implicit I/O cast), unused variables, INTO with too many or too few columns;
#  * extra_warnings: a function that can reach its end without RETURN, parameters never read,
#    variables never read or never assigned, OUT parameters never set.
# Not checked: performance hints (performance_warnings off: they suggest volatility and cast
# changes that are not defects, e.g. STABLE for a function that locks rows), and the text of
# dynamic SQL (EXECUTE of a built string), which exists only at run time.
# Every finding is printed (function, line, statement, level, sqlstate, message, detail); any
# error or warning fails the run unless tests/sql/lint_allowed.txt accepts it, with a reason.
# An accepted entry that matches nothing is reported, so the list stays short.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
bin=$(cd "${1:?usage: run.sh BIN_DIR test|lint}" && pwd) || exit 2
mode=${2:?usage: run.sh BIN_DIR test|lint}
case "$mode" in test | lint) ;; *) echo "run.sh: mode is test or lint, not $mode" >&2; exit 2 ;; esac
for tool in psql pg_prove; do
    [ "$mode" = lint ] && [ "$tool" = pg_prove ] && continue
    command -v "$tool" >/dev/null || { echo "not ok - $tool is missing (make deps installs it)"; exit 1; }
done

dir="var/sqltest-$$"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local real
    trap '' INT TERM # a second signal must not cut the cleanup short
    real=$(readlink -f "$dir/pgdata" 2>/dev/null || true)
    timeout -k 5 60 deploy/pg.sh stop "$dir" >/dev/null 2>&1 \
        || echo "# sqltest: could not stop the cluster in $dir"
    # deploy/pg.sh puts the data in /tmp when the postgres user cannot reach DIR; remove that too
    case "$real" in /tmp/gridcase-pg.*) rm -rf "$real" ;; esac
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port: 26000 + PID % 1000, or the next ones up when taken.
port=""
for ((i = 0; i < 50; i++)); do
    p=$((26000 + ($$ + i) % 1000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "not ok - no free port in 26000-26999"; exit 1; }

# a small cluster: these tests hold a few thousand rows
export GC_PG_SHARED_BUFFERS=128MB GC_PG_MAX_WAL_SIZE=1GB
if ! timeout -k 10 120 deploy/pg.sh start "$dir" "$port" > "$dir/pg.log" 2>&1; then
    echo "not ok - the cluster did not start:"
    cat "$dir/pg.log"
    exit 1
fi
dsn="host=127.0.0.1 port=$port dbname=gridcase user=gridcase"
psql_run() { timeout -k 10 "$1" psql "$dsn" -X -q -v ON_ERROR_STOP=1 "${@:2}"; }

# the repository's default schema directory, whatever the caller's environment says
unset GC_SCHEMA_DIR
if ! GC_PG_DSN="$dsn" timeout -k 10 300 "$bin/gridctl" migrate > "$dir/migrate.log" 2>&1; then
    echo "not ok - gridctl migrate failed:"
    cat "$dir/migrate.log"
    exit 1
fi

if [ "$mode" = test ]; then
    psql_run 60 -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION dblink" || exit 1
    # pg_prove runs each file with psql (ON_ERROR_STOP): an error ends that file, which then
    # fails for its missing tests
    timeout -k 10 900 pg_prove --failures --comments -h 127.0.0.1 -p "$port" -d gridcase \
        -U gridcase tests/sql/t_*.sql
    exit $?
fi

psql_run 60 -c "CREATE EXTENSION plpgsql_check" || exit 1
psql_run 300 -v allowed="$(cat tests/sql/lint_allowed.txt)" -f tests/sql/lint.sql
rc=$?
[ $rc -eq 0 ] && echo "# plpgsql_check: no findings beyond tests/sql/lint_allowed.txt"
exit $rc
