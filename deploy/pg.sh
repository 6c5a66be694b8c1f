#!/usr/bin/env bash
# A private PostgreSQL cluster for the local stack and the tests.
#   deploy/pg.sh start DIR PORT   initialise (once) and start a cluster in DIR on 127.0.0.1:PORT,
#                                 with a superuser and a database both named gridcase
#   deploy/pg.sh stop DIR         stop it (fast shutdown)
# PostgreSQL refuses to run as root: as root the server runs as the postgres user. When that user
# cannot reach DIR (e.g. a checkout under /root), the cluster lives in /tmp and DIR/pgdata links
# to it. GC_PG_SHARED_BUFFERS (1GB) and GC_PG_MAX_WAL_SIZE (8GB) set those two settings.
set -euo pipefail
cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}
[ "$cmd" = stop ] && [ ! -d "${2:?DIR}" ] && exit 0
dir=$(mkdir -p "$2" && cd "$2" && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data="$dir/pgdata"
if [ "$cmd" = stop ]; then
    [ -e "$data/postmaster.pid" ] || exit 0
    as_pg "$bin/pg_ctl" -D "$(readlink -f "$data")" -m fast -w stop >/dev/null
    exit 0
fi
port=${3:?PORT}
if [ ! -e "$data" ]; then
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir"; then
        real=$(mktemp -d /tmp/gridcase-pg.XXXXXX)
        ln -s "$real" "$data"
    else
        mkdir -p "$data"
    fi
    [ "$(id -u)" -eq 0 ] && chown postgres "$(readlink -f "$data")"
    chmod 700 "$(readlink -f "$data")"
fi
target=$(readlink -f "$data")
if [ ! -f "$target/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$target" -U gridcase --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# Write-heavy settings (docker-compose.yml sets the same; deploy/README.md says why): the log
# writes every case several times, and with PostgreSQL's defaults (128MB of buffers, a
# checkpoint per 1GB of WAL) the benchmark ran under a checkpoint that never ended, each
# page's first change after one writing the whole page to the WAL again. Durability is
# unchanged (fsync and synchronous_commit stay on).
settings="-c shared_buffers=${GC_PG_SHARED_BUFFERS:-1GB} -c max_wal_size=${GC_PG_MAX_WAL_SIZE:-8GB}"
settings="$settings -c checkpoint_timeout=15min"
if ! as_pg "$bin/pg_ctl" -D "$target" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$target" -w -t 60 -l "$target/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' $settings" \
        start >/dev/null
fi
psql="$bin/psql"
if ! "$psql" -h 127.0.0.1 -p "$port" -U gridcase -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'gridcase'" | grep -q 1; then
    "$psql" -h 127.0.0.1 -p "$port" -U gridcase -d postgres -qc "CREATE DATABASE gridcase"
fi
