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

# The machine's busy time over SECONDS (/proc/stat: user, nice, system, irq, softirq, steal),
# in % of one core: taken before the stack starts, it is what other work takes from the run.
machine_busy_percent() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
    sleep "$1"
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
    awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" -v s="$1" \
        'BEGIN { printf "%.1f\n", 100 * (b - a) / hz / s }'
}

# pgbench with CLIENTS clients for SECONDS over SCRIPT: transactions per second (0 when none
# finished: pgbench then prints no rate).
pgbench_tps() {
    "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U gridcase -n -M prepared -c "$1" \
        -j "$(($1 < 2 ? $1 : 2))" -T "$2" \
        -f "$3" gridcase_pgbench 2> "$3.log" | tee -a "$3.log" \
        | awk '/^tps = / { print $3; found = 1; exit } END { if (!found) print 0 }'
}

# pgbench paced at RATE transactions/s (--rate: Poisson arrivals) with CLIENTS clients over
# SCRIPT, every transaction logged, for SECONDS after a second left out at each end: its
# latencies as JSON, {latency_ms: {n, p50, p99, p999, max}}, percentiles by nearest rank as
# gc-bench-load takes them. Under --rate pgbench times a transaction from its scheduled start,
# so a wait for a free client counts, as the load generator times a submission from the moment
# it was due. The ends are pgbench's own: its clients prepare their statements in the first
# quarter second (35 ms a transaction on average at 1,000/s, against 1 ms after), and the last
# quarter second averaged 65 ms at 200/s while they left.
pgbench_latency() {
    local logs="$var/sections/pgbench_rate"
    rm -rf "$logs" && mkdir -p "$logs"
    "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U gridcase -n -M prepared -c "$1" -j 2 \
        -T "$(($2 + 2))" -R "$3" -l --log-prefix="$logs/tx" -f "$4" gridcase_pgbench \
        > "$4.rate.log" 2>&1 \
        || { echo "bench: pgbench at $3/s failed (see $4.rate.log)" >&2; return 1; }
    # a log line: client, transaction, latency (us), script, end time (epoch s, us)
    cat "$logs"/tx.* | awk '{ printf "%.0f %s\n", $5 * 1000000 + $6, $3 }' | sort -n \
        | awk '{ at[NR] = $1; us[NR] = $2 }
               END { for (i = 1; i <= NR; i++)
                         if (at[i] - at[1] >= 1000000 && at[NR] - at[i] >= 1000000) print us[i] }' \
        | sort -n | awk '
        { us[NR] = $1 }
        function rank(p,  i) { i = int(p / 100 * NR) + 1; return us[i > NR ? NR : i] / 1000 }
        END {
            if (NR == 0) { print "{\"latency_ms\": {\"n\": 0}}"; exit }
            printf "{\"latency_ms\": {\"n\": %d, \"p50\": %.3f, ", NR, rank(50)
            printf "\"p99\": %.3f, \"p999\": %.3f, ", rank(99), rank(99.9)
            printf "\"max\": %.3f}}\n", us[NR] / 1000
        }'
    rm -rf "$logs"
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
