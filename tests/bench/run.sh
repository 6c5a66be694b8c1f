#!/usr/bin/env bash
# make bench: the benchmarks against a private PostgreSQL cluster under var/bench (default
# durability: fsync and synchronous_commit on). Prints each benchmark's table and writes every
# figure to var/bench/latest.json. Usage: tests/bench/run.sh BIN_DIR
# Settings: GC_BENCH_OPEN_CASES (1000000), GC_BENCH_DUE (100000), GC_BENCH_PORT (7300);
# GC_BENCH_SMOKE=1 runs everything tiny in a throwaway cluster (make check).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
export PATH="$bin:$PATH"
if [ "${GC_BENCH_SMOKE:-0}" = 1 ]; then
    var="var/bench-smoke-$$" port=$((21000 + $$ % 4000)) open=2000 supervised=200 due=500 ticks=5
else
    var=var/bench port=${GC_BENCH_PORT:-7300} open=${GC_BENCH_OPEN_CASES:-1000000}
    supervised=10000 due=${GC_BENCH_DUE:-100000} ticks=50
fi
mkdir -p "$var"
deploy/pg.sh start "$var/pg" "$port" >/dev/null
trap 'deploy/pg.sh stop "$var/pg"' EXIT
export GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=gridcase"
export GC_MIGRATIONS_DIR="$PWD/deploy/migrations"
gridctl migrate 2>/dev/null
gridctl import deploy/demo-district.json >/dev/null

echo "# gridcase benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
gc-bench-escalation --open "$open" --supervised "$supervised" --due "$due" --ticks "$ticks" --json "$var/escalation.json"
jq -n --slurpfile esc "$var/escalation.json" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" --argjson cores "$(nproc)" \
    '{measured_at: $at, commit: $commit, cores: $cores, escalation: $esc[0]}' > "$var/latest.json"
echo "# figures: $var/latest.json"
if [ "${GC_BENCH_SMOKE:-0}" = 1 ]; then
    trap - EXIT
    deploy/pg.sh stop "$var/pg"
    rm -rf "$(readlink -f "$var/pg/pgdata")" "$var"
fi
