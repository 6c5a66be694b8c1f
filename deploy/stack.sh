#!/usr/bin/env bash
# The local gridcase stack: a private PostgreSQL cluster and the daemons, in the background.
#   deploy/stack.sh up BIN_DIR   start what is not running, migrate, print the endpoints. The
#                                first start (an empty database) imports the district and
#                                registers a key per department; later starts keep the
#                                reference data and keys as they are in the database (a rule
#                                added, a key rotated), so running it twice is harmless. To load
#                                the district file again: gridctl import FILE
#   deploy/stack.sh down         stop the daemons and the cluster, by process id
# Settings (environment):
#   GC_VAR        state directory (default ./var; relative or absolute): pg/, log/, run/, keys/
#                 and env (source it for gridctl)
#   GC_PORT_BASE  PostgreSQL on BASE, intake BASE+1, events BASE+2, departments BASE+3,
#                 stats BASE+4, stats' HTTP /metrics BASE+5, the board (HTTP) BASE+6, the
#                 Open311 gateway (HTTP) BASE+7 (default 7100)
#   GC_HOST       the address the ZeroMQ sockets (intake, events, departments, stats) listen on
#                 and are reached at (default 127.0.0.1); the HTTP doors and PostgreSQL stay on
#                 loopback
#   GC_DISTRICT   reference data to import on the first start (default
#                 deploy/demo-district.json)
#   GC_CURVE      1: intake, the event stream and the stats stream run CurveZMQ too (as in
#                 docker-compose), each daemon with its own client key; the env file gives
#                 gridctl a key for all three. Default 0: plain on loopback, for development
#                 (the department socket always runs CurveZMQ).
#   GC_PG_EXTERNAL 1: start no cluster; use the PostgreSQL at GC_PG_HOSTS and GC_PG_PORTS (lists
#                 of equal length, as libpq takes them: "10.0.0.1,10.0.0.2" "5432,5432"), e.g. a
#                 primary and its standby under a failover manager (deploy/ha/), where the
#                 gridcase superuser and database already exist. Every connection then looks for
#                 the writable host and gives up on a silent one within seconds, so the daemons
#                 follow a failover by themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
var=${GC_VAR:-var}
case $var in /*) ;; *) var=$PWD/$var ;; esac # absolute: the env file is sourced from anywhere
shown=${var#"$PWD"/}                           # as people typed it, in messages
base=${GC_PORT_BASE:-7100}
curve=${GC_CURVE:-0}
host=${GC_HOST:-127.0.0.1}
external=${GC_PG_EXTERNAL:-0}
daemons=(intake routing escalation stats board open311)
with_db=(intake routing escalation stats open311) # gc-board reads only the stats stream

# where every DSN points: the private cluster, or each host of an external one
pg_where() {
    if [ "$external" = 1 ]; then
        echo "host=${GC_PG_HOSTS:?an external PostgreSQL needs GC_PG_HOSTS} port=${GC_PG_PORTS:?and GC_PG_PORTS}" \
            "target_session_attrs=read-write connect_timeout=2 tcp_user_timeout=3000" \
            "keepalives_idle=2 keepalives_interval=1 keepalives_count=2"
    else
        echo "host=127.0.0.1 port=$base"
    fi
}

write_env() {
    mkdir -p "$var"
    cat > "$var/env" <<ENV
export GC_PG_DSN="$(pg_where) user=gridcase dbname=gridcase"
export GC_INTAKE_BIND="tcp://$host:$((base + 1))" GC_INTAKE_URL="tcp://$host:$((base + 1))"
export GC_EVENTS_BIND="tcp://$host:$((base + 2))" GC_EVENTS_URL="tcp://$host:$((base + 2))"
export GC_DEPT_BIND="tcp://$host:$((base + 3))" GC_DEPT_URL="tcp://$host:$((base + 3))"
export GC_STATS_BIND="tcp://$host:$((base + 4))" GC_STATS_URL="tcp://$host:$((base + 4))"
export GC_METRICS_BIND="127.0.0.1:$((base + 5))"
export GC_BOARD_BIND="127.0.0.1:$((base + 6))"
export GC_OPEN311_BIND="127.0.0.1:$((base + 7))"
export GC_SCHEMA_DIR="$PWD/deploy/schema"
export GC_DEPT_SECRET_KEY_FILE="$var/keys/dept-server.key" GC_DEPT_KEYS_DIR="$var/keys"
ENV
    # single quotes: Z85 keys may hold '$' but never a quote
    [ -f "$var/keys/dept-server.pub" ] && echo "export GC_DEPT_SERVER_KEY='$(cat "$var/keys/dept-server.pub")'" >> "$var/env"
    if [ "$curve" = 1 ] && [ -f "$var/keys/stats-server.pub" ]; then
        cat >> "$var/env" <<ENV
export GC_INTAKE_SERVER_KEY='$(cat "$var/keys/intake-server.pub")' GC_STATS_SERVER_KEY='$(cat "$var/keys/stats-server.pub")'
export GC_CLIENT_KEY_FILE="$var/keys/client-gridctl.key"
ENV
    fi
    return 0
}

# CURVE keys for the department socket: routing's pair, and one per department, registered in
# the database (a district would put the public keys into its reference data file instead).
make_keys() {
    local bin=$1
    mkdir -p "$var/keys"
    chmod 700 "$var/keys"
    if [ ! -f "$var/keys/dept-server.key" ]; then
        "$bin/gridctl" dept server-keygen "$var/keys/dept-server.key" > "$var/keys/dept-server.pub"
    fi
    write_env
    # shellcheck disable=SC1091
    . "$var/env"
    # only departments without a key: a key registered since (a rotation) stays
    for dept in $("$bin/gridctl" departments --json | jq -r '.[] | select(.has_key | not) | .code'); do
        [ -f "$var/keys/$dept.key" ] || "$bin/gridctl" dept keygen "$dept" > /dev/null
        "$bin/gridctl" dept register "$dept" > /dev/null
    done
    [ "$curve" = 1 ] || return 0
    # the servers' pairs, a client key per daemon that follows the event stream, and gridctl's
    for server in intake stats; do
        [ -f "$var/keys/$server-server.key" ] \
            || "$bin/gridctl" keygen "$var/keys/$server-server.key" > "$var/keys/$server-server.pub"
    done
    for d in routing escalation stats; do
        "$bin/gridctl" client add "$d" --sockets events --key "$var/keys/client-$d.key" > /dev/null
    done
    "$bin/gridctl" client add board --sockets stats --key "$var/keys/client-board.key" > /dev/null
    "$bin/gridctl" client add open311 --sockets intake --may submissions --key "$var/keys/client-open311.key" > /dev/null
    "$bin/gridctl" client add gridctl --sockets intake,events,stats \
        --key "$var/keys/client-gridctl.key" > /dev/null
    write_env
    # shellcheck disable=SC1091
    . "$var/env"
}

# What only one daemon may hold, when GC_CURVE is 1: its server key, or its own client key.
daemon_keys() {
    [ "$curve" = 1 ] || return 0
    case $1 in
        intake) echo "GC_INTAKE_SECRET_KEY_FILE=$var/keys/intake-server.key" ;;
        stats) echo "GC_STATS_SECRET_KEY_FILE=$var/keys/stats-server.key GC_CLIENT_KEY_FILE=$var/keys/client-stats.key" ;;
        *) echo "GC_CLIENT_KEY_FILE=$var/keys/client-$1.key" ;;
    esac
}

# alive and not a zombie (a killed daemon whose parent is gone may stay one, and kill -0 works on it)
running() {
    local state
    [ -f "$var/run/$1.pid" ] || return 1
    state=$(ps -o stat= -p "$(cat "$var/run/$1.pid")" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

up() {
    local bin=${1:?usage: stack.sh up BIN_DIR}
    bin=$(cd "$bin" && pwd)
    write_env
    # shellcheck disable=SC1091
    . "$var/env"
    mkdir -p "$var/log" "$var/run"
    [ "$external" = 1 ] || deploy/pg.sh start "$var/pg" "$base"
    "$bin/gridctl" migrate
    # the district, into an empty database only: a later start must not undo what was changed
    local district=${GC_DISTRICT:-deploy/demo-district.json} reference
    if [ "$("$bin/gridctl" areas --json | jq length)" = 0 ]; then
        "$bin/gridctl" import "$district" >/dev/null
        reference="imported from $district"
    else
        reference="kept as it is in the database (to load $district again: gridctl import $district)"
    fi
    make_keys "$bin"
    # each daemon connects as its own role, with only the privileges it needs (migrations/0001_baseline/60_access.sql);
    # gridctl (migrations, imports, administration) stays the schema's owner
    for d in "${with_db[@]}"; do "$bin/gridctl" role-login "gridcase_$d"; done
    # and the dashboards' read-only role, for Grafana or psql on this machine (README.md)
    "$bin/gridctl" role-login gridcase_dashboard
    for d in "${daemons[@]}"; do
        running "$d" && continue
        : > "$var/log/$d.log"
        dsn="" # each daemon with a database connects as its own role
        [[ " ${with_db[*]} " == *" $d "* ]] && dsn="$(pg_where) user=gridcase_$d dbname=gridcase"
        # shellcheck disable=SC2046 # daemon_keys prints NAME=VALUE words without spaces
        env GC_PG_DSN="$dsn" \
            GC_HEALTH_FILE="$var/run/$d.alive" $(daemon_keys "$d") \
            setsid "$bin/gc-$d" >> "$var/log/$d.log" 2>&1 < /dev/null &
        echo $! > "$var/run/$d.pid"
    done
    for d in "${daemons[@]}"; do  # each says "ready" once its sockets are bound
        for _ in $(seq 100); do grep -q 'msg="ready: ' "$var/log/$d.log" && break; sleep 0.1; done
        grep -q 'msg="ready: ' "$var/log/$d.log" || { echo "stack: gc-$d did not start:"; tail "$var/log/$d.log"; exit 1; }
    done
    cat <<MSG
gridcase is up (state in $shown, logs in $shown/log):
  PostgreSQL  $GC_PG_DSN
  intake      $GC_INTAKE_URL   (ROUTER: SubmitCase, CaseCommand$([ "$curve" = 1 ] && echo "; CURVE"))
  events      $GC_EVENTS_URL   (PUB: CaseEvent, topic = grid code$([ "$curve" = 1 ] && echo "; CURVE"))
  departments $GC_DEPT_URL   (ROUTER, CURVE: deliveries and department actions;
              server key $GC_DEPT_SERVER_KEY, department keys in $shown/keys)
  stats       $GC_STATS_URL   (PUB: StatsSnapshot, topic = area code$([ "$curve" = 1 ] && echo "; CURVE"))
  metrics     http://$GC_METRICS_BIND/metrics   (Prometheus; /healthz)
  board       http://$GC_BOARD_BIND/   (the district board: open it in a browser)
  open311     http://$GC_OPEN311_BIND/open311/v2/   (Open311 GeoReport v2; api keys: gridctl apikey add NAME)
Reference data: $reference
Try:
  . $shown/env; PATH=$bin:\$PATH
  gridctl areas
  ref=\$(gridctl submit --category drain_cover --grid 4101010101 --desc "石化路井盖破损")
  gridctl dept listen municipal --count 1
  gridctl dept accept \$ref --dept municipal; gridctl dept resolve \$ref --dept municipal
  gridctl verify \$ref --ok; gridctl show \$ref; gridctl stats --area 4101
Stop with: make down
MSG
}

down() {
    for d in "${daemons[@]}"; do
        if running "$d"; then
            pid=$(cat "$var/run/$d.pid")
            kill -TERM "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            # (a sanitizer build's leak check at exit can hang: it must not hang the caller)
            if kill -0 "$pid" 2>/dev/null; then
                echo "stack: gc-$d did not stop within 5 s of SIGTERM: killed" >&2
                kill -KILL "$pid"
            fi
        fi
        rm -f "$var/run/$d.pid"
    done
    [ "$external" = 1 ] || deploy/pg.sh stop "$var/pg"
}

case "${1:-}" in
    up) up "${2:-}" ;;
    down) down ;;
    *) echo "usage: stack.sh up BIN_DIR | down" >&2; exit 2 ;;
esac
