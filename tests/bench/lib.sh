# Helpers of tests/bench/run.sh (sourced; uses $var, $bin, $port). Processes are found by the
# pid files deploy/stack.sh writes ($var/run/NAME.pid) and PostgreSQL's postmaster.pid.
daemons=(intake routing escalation stats)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

note() { echo "# [${SECONDS}s] $*" >&2; }

pid_of() { cat "$var/run/$1.pid"; }

postmaster_pid() { head -n 1 "$(readlink -f "$var/pg/pgdata")/postmaster.pid"; }

# The processes whose CPU use gc-bench-load reports: the daemons, PostgreSQL with its backends.
watch_list() {
    local w="postgres=+$(postmaster_pid)"
    for d in "${daemons[@]}"; do w="$w,$d=$(pid_of "$d")"; done
    echo "$w"
}

# Peak resident set (VmHWM) of a daemon in MB.
hwm_mb() {
    awk '/^VmHWM:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$(pid_of "$1")/status"
}

# Runs `gc-bench-load ARGS` as section NAME; its figures go to $var/sections/NAME.json.
section() {
    local name=$1
    shift
    note "$name: gc-bench-load $*"
    gc-bench-load "$@" --watch "$(watch_list)" --json "$var/sections/$name.json" \
        2>> "$var/log/bench-load.log" \
        || { echo "bench: section $name failed (see $var/log/bench-load.log):" >&2
             tail -n 5 "$var/log/bench-load.log" >&2; return 1; }
}

psql_at() { "$pgbin/psql" -h 127.0.0.1 -p "$port" -U gridcase -v ON_ERROR_STOP=1 -qtAX "$@"; }

# A second database on the same cluster, migrated, with the district: the benchmarks that write
# straight into the tables (pgbench, the escalation tick) do not disturb the running stack's.
scratch_db() {
    psql_at -d postgres -c "CREATE DATABASE $1"
    GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=$1" gridctl migrate 2>/dev/null
    GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=$1" \
        gridctl import deploy/demo-district.json > /dev/null
}

# pgbench with CLIENTS clients for SECONDS over SCRIPT: transactions per second (0 when none
# finished: pgbench then prints no rate).
pgbench_tps() {
    "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U gridcase -n -M prepared -c "$1" -j 2 -T "$2" \
        -f "$3" gridcase_pgbench 2> "$3.log" | tee -a "$3.log" \
        | awk '/^tps = / { print $3; found = 1; exit } END { if (!found) print 0 }'
}

# N cases per transaction: pgbench_script N bare (tests/bench/pgbench_bare.sql, the database's
# own limit) or pgbench_script N counter (tests/bench/pgbench_case.sql after the event counter
# lock, intake's one-at-a-time path), between BEGIN and END.
pgbench_script() {
    echo "BEGIN;"
    if [ "$2" = counter ]; then
        echo "SELECT gc_lock_event_stream();"
        for _ in $(seq "$1"); do cat tests/bench/pgbench_case.sql; done
    else
        for _ in $(seq "$1"); do cat tests/bench/pgbench_bare.sql; done
    fi
    echo "END;"
}
