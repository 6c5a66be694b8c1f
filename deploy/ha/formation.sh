#!/usr/bin/env bash
# A pg_auto_failover formation on this one machine, for trying failover for real: a monitor and
# two PostgreSQL nodes (a primary and its synchronous standby), each in its own network namespace
# wired to a private bridge, so that "the machine is gone" can be a link taken down.
#   deploy/ha/formation.sh up DIR          build it (state, pid files and env under DIR)
#   deploy/ha/formation.sh down DIR        stop every process it started (by process id), delete
#                                          its namespaces and links, remove its data
#   deploy/ha/formation.sh state DIR       pg_autoctl show state
#   deploy/ha/formation.sh primary DIR     the node (n1 or n2) the monitor has as primary now
#   deploy/ha/formation.sh start DIR NODE  start NODE's pg_autoctl again (it rejoins as standby)
#   deploy/ha/formation.sh pids DIR NODE   every process of NODE (its pg_autoctl, its postgres)
#   deploy/ha/formation.sh pgpids DIR NODE its postgres processes only
#   deploy/ha/formation.sh backup DIR      a full backup (pgBackRest) taken on the primary
#   deploy/ha/formation.sh archived DIR    the primary's current WAL segment closed and archived
#                                          (pgbackrest check), so a restore finds all of it
#   deploy/ha/formation.sh restore DIR TIME
#                                          the backups and the archived WAL restored as they were
#                                          at TIME into a cluster of its own, started on a unix
#                                          socket only; prints the psql connection string
# DIR/env then sets GC_PG_HOSTS, GC_PG_PORTS, GC_HA_APP_NS (the namespace the daemons run in,
# wired to the same bridge) and GC_HA_MONITOR (the monitor's URL, for pg_autoctl commands).
#
# Addresses are 10.77.0.0/24 and exist only inside this formation's own namespaces (prefix
# GC_HA_PREFIX, default gcha<pid>), so several formations can run at once and nothing here can
# reach, or be reached from, any other network. Every node runs as the postgres user (PostgreSQL
# refuses root) with its data, configuration and pg_autoctl state under one directory in /tmp.
#
# Authentication is trust, and the replication and client links are not encrypted: acceptable
# only because nothing outside these namespaces can reach them. A real formation uses
# --auth scram-sha-256 with passwords in ~/.pgpass and --ssl-self-signed or real certificates.
#
# WAL archiving: whichever node is primary pushes every WAL segment to one pgBackRest repository
# (archive_mode = on, the only mode pgBackRest supports: a standby pushes nothing). Here the
# repository is a directory beside the nodes; on real machines it is storage that outlives both
# (deploy/ha/README.md, which also says what a failover costs the archive).
#
# Failover timing (GC_HA_FAST=0 keeps pg_auto_failover's defaults; deploy/ha/README.md says why
# these values and what they cost): the monitor checks each node every second, a node is
# unhealthy after 2 failed checks (1 s each, 0.5 s apart) and 3 s without its keeper's report,
# and a primary that does not confirm its demotion is given up after 5 s; a primary cut off
# from both the monitor and its standby demotes itself after 3 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=deploy/ha/netns.sh
. deploy/ha/netns.sh
cmd=${1:?usage: formation.sh up|down|state|primary|start|pids|pgpids|backup|archived|restore DIR [NODE|TIME]}
dir=${2:?DIR}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
net=10.77.0
declare -A addr=([mon]=2 [n1]=11 [n2]=12 [app]=100)

# pg_user NS NODE: sets $as_node to the command prefix that runs a program as the postgres user
# in namespace NS, with NODE's own pg_autoctl configuration and state
pg_user() {
    as_node=(ip netns exec "$1" setpriv --reuid=postgres --regid=postgres --init-groups
             env -i PATH="$pgbin:/usr/bin:/bin" HOME="$real/$2" XDG_CONFIG_HOME="$real/$2/config"
             XDG_DATA_HOME="$real/$2/share" XDG_RUNTIME_DIR="$real/$2/run" PG_CONFIG="$pgbin/pg_config"
             PGBACKREST_CONFIG="$real/$2/pgbackrest.conf")
}
as_pg() { # as_pg NS NODE COMMAND...
    pg_user "$1" "$2"
    shift 2
    "${as_node[@]}" "$@"
}

load() {
    [ -f "$dir/prefix" ] || { echo "formation: nothing in $dir" >&2; exit 1; }
    prefix=$(cat "$dir/prefix") real=$(cat "$dir/real") port=$(cat "$dir/port")
    monitor="postgres://autoctl_node@$net.${addr[mon]}:$port/pg_auto_failover?sslmode=disable"
}

port_of() { case $1 in mon) echo "$port" ;; n1) echo $((port + 1)) ;; n2) echo $((port + 2)) ;; rs) echo $((port + 3)) ;; esac; }

# backup_config NODE: the node's pgBackRest configuration (on a real machine,
# /etc/pgbackrest.conf): the shared repository, and this node's cluster
backup_config() {
    cat > "$real/$1/pgbackrest.conf" <<CONF
[global]
repo1-path=$real/repo
repo1-retention-full=2
compress-type=lz4
start-fast=y
log-level-console=warn
log-level-file=info
log-path=$real/$1
lock-path=$real/$1/run
[gridcase]
pg1-path=$real/$1/pgdata
pg1-port=$(port_of "$1")
CONF
}

# run NODE pg_autoctl ...: in the background, its own session, pid recorded
run_node() {
    local node=$1
    shift
    pg_user "$prefix-$node" "$node"
    (cd "$real/$node" && exec "${as_node[@]}" setsid "$@") >> "$real/$node/autoctl.log" 2>&1 < /dev/null &
    echo $! > "$dir/$node.pid"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local secs=$1 what=$2
    shift 2
    for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "formation: $what did not happen within $secs s" >&2
    return 1
}

monitor_sql() { ip netns exec "$prefix-app" "$pgbin/psql" -X "$monitor" -tAc "$1"; }
is_state() { [ "$(monitor_sql "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$1'" 2>/dev/null)" = "$2" ]; }
formation_ready() { # a primary and a secondary, as the monitor sees them (reported and assigned)
    [ "$(monitor_sql "SELECT string_agg(reportedstate || '/' || goalstate, ' ' ORDER BY reportedstate) FROM pgautofailover.node WHERE formationid = 'default'" 2>/dev/null)" = "primary/primary secondary/secondary" ]
}

up() {
    if [ -f "$dir/prefix" ]; then echo "formation: $dir is in use (down it first)" >&2; exit 1; fi
    mkdir -p "$dir"
    prefix=${GC_HA_PREFIX:-gcha$$}
    # PostgreSQL's unix sockets live in /var/run/postgresql, shared by every namespace: ports
    # differ per formation (and per node) so that no two clusters on this machine collide
    port=${GC_HA_PORT:-$((26000 + ($$ % 300) * 10))}
    # the nodes' data, as deploy/pg.sh keeps a cluster: the postgres user must reach it, and a
    # checkout (under /root, say) may be closed to it
    real=$(mktemp -d /tmp/gridcase-ha.XXXXXX)
    echo "$prefix" > "$dir/prefix"
    echo "$real" > "$dir/real"
    echo "$port" > "$dir/port"
    monitor="postgres://autoctl_node@$net.${addr[mon]}:$port/pg_auto_failover?sslmode=disable"

    # the network: a bridge in a namespace of its own, one veth pair per machine
    netns_bridge "$prefix"
    echo "$prefix-br" >> "$dir/namespaces"
    for m in mon n1 n2 app; do
        netns_machine "$prefix" "$m" "$net.${addr[$m]}/24"
        echo "$prefix-$m" >> "$dir/namespaces"
    done
    for m in mon n1 n2 rs; do mkdir -p "$real/$m/config" "$real/$m/share" "$real/$m/run"; done
    mkdir -p "$real/repo"
    for m in n1 n2 rs; do backup_config "$m"; done
    chown -R postgres: "$real"
    chmod 700 "$real"

    # the monitor
    as_pg "$prefix-mon" mon pg_autoctl create monitor --pgdata "$real/mon/pgdata" --pgport "$port" \
        --hostname "$net.${addr[mon]}" --auth trust --no-ssl >> "$real/mon/autoctl.log" 2>&1
    if [ "${GC_HA_FAST:-1}" = 1 ]; then
        # milliseconds; see the header and deploy/ha/README.md. In postgresql.auto.conf before the
        # monitor starts: its health check worker reads them only when it starts.
        cat >> "$real/mon/pgdata/postgresql.auto.conf" <<CONF
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 5000
CONF
    fi
    run_node mon pg_autoctl run --pgdata "$real/mon/pgdata"
    wait_for 60 "the monitor's start" monitor_sql "SELECT 1"

    # the first node becomes the primary: its cluster is made here first, with settings like
    # deploy/pg.sh's (smaller, for a test machine), and pg_autoctl takes it over; the database and
    # the stack's owner role reach the standby with its base backup
    as_pg "$prefix-n1" n1 initdb -D "$real/n1/pgdata" --auth=trust -E UTF8 --locale=C.UTF-8 \
        >> "$real/n1/autoctl.log" 2>&1
    # postgresql.auto.conf: read after pg_autoctl's own tuning (which sizes shared_buffers for a
    # machine of its own)
    cat >> "$real/n1/pgdata/postgresql.auto.conf" <<CONF
shared_buffers = '${GC_PG_SHARED_BUFFERS:-256MB}'
max_wal_size = '${GC_PG_MAX_WAL_SIZE:-2GB}'
checkpoint_timeout = '15min'
archive_mode = 'on'
archive_command = 'pgbackrest --stanza=gridcase archive-push %p'
CONF
    # the daemons' roles, from the application's machine only (pg_autoctl adds its own rules for
    # the monitor and the replication link), and pg_rewind's connection from the other node (it
    # reads the postgres database: without it an old primary rejoins by a whole base backup,
    # which first waits for a spread checkpoint); the standby's base backup copies this file
    cat >> "$real/n1/pgdata/pg_hba.conf" <<HBA
host gridcase all $net.${addr[app]}/32 trust
host postgres pgautofailover_replicator $net.${addr[n1]}/32 trust
host postgres pgautofailover_replicator $net.${addr[n2]}/32 trust
HBA
    for node in n1 n2; do
        as_pg "$prefix-$node" "$node" pg_autoctl create postgres --pgdata "$real/$node/pgdata" \
            --pgport "$(port_of "$node")" --hostname "$net.${addr[$node]}" --name "$node" \
            --dbname gridcase --monitor "$monitor" --auth trust --no-ssl --pg-hba-lan \
            >> "$real/$node/autoctl.log" 2>&1
        if [ "${GC_HA_FAST:-1}" = 1 ]; then
            # a primary cut off from both the monitor and its standby demotes itself after this
            # many seconds (default 20): shorter than the monitor's demotion timeout, so that it
            # has stopped taking writes before the standby is promoted
            as_pg "$prefix-$node" "$node" pg_autoctl config set --pgdata "$real/$node/pgdata" \
                timeout.network_partition_timeout 3 >/dev/null
        fi
        run_node "$node" pg_autoctl run --pgdata "$real/$node/pgdata"
        if [ "$node" = n1 ]; then
            wait_for 60 "n1 becoming a single primary" is_state n1 single
            # (pg_autoctl restarts postgres once after its initialisation)
            wait_for 30 "n1 accepting connections" as_pg "$prefix-n1" n1 psql -X -h "$net.${addr[n1]}" \
                -p "$((port + 1))" -d gridcase -tAc "SELECT 1"
            as_pg "$prefix-n1" n1 psql -X -h "$net.${addr[n1]}" -p "$((port + 1))" -d gridcase -q \
                -c "CREATE ROLE gridcase LOGIN SUPERUSER" -c "ALTER DATABASE gridcase OWNER TO gridcase" \
                -c "ALTER SCHEMA public OWNER TO gridcase"
            as_pg "$prefix-n1" n1 pgbackrest --stanza=gridcase stanza-create >> "$real/n1/autoctl.log" 2>&1
        fi
    done
    wait_for 180 "a primary and its synchronous standby" formation_ready
    cat > "$dir/env" <<ENV
export GC_PG_HOSTS=$net.${addr[n1]},$net.${addr[n2]} GC_PG_PORTS=$((port + 1)),$((port + 2))
export GC_HA_APP_NS=$prefix-app GC_HA_MONITOR="$monitor"
ENV
}

state() {
    ip netns exec "$prefix-app" setpriv --reuid=postgres --regid=postgres --init-groups \
        env -i PATH="$pgbin:/usr/bin:/bin" HOME=/tmp pg_autoctl show state --monitor "$monitor"
}

primary() {
    local row
    row=$(monitor_sql "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') AND goalstate IN ('primary', 'wait_primary', 'single')")
    [ -n "$row" ] && echo "$row"
}

# A node's processes are those whose working directory is in its own directory (unique to this
# formation): pg_autoctl runs from there and every postgres process from its data directory.
# (PostgreSQL's children each start a session of their own, so a session or a process group
# would not find them.)
procs_in() {
    # (find complains about processes that end while it looks)
    { find /proc -mindepth 2 -maxdepth 2 -name cwd \( -lname "$1" -o -lname "$1/*" \) 2>/dev/null || true; } |
        cut -d/ -f3
}
node_pids() { procs_in "$real/$1"; }
pg_pids() { procs_in "$real/$1/pgdata"; }

# backup: a full backup, taken where the primary is (pgBackRest backs up a primary; the other
# node's keeper may be mid-failover, so ask the monitor)
backup() {
    local node
    node=$(primary) || { echo "formation: no primary to back up" >&2; exit 1; }
    as_pg "$prefix-$node" "$node" pgbackrest --stanza=gridcase --type=full backup
}
archived() {
    local node
    node=$(primary) || { echo "formation: no primary" >&2; exit 1; }
    as_pg "$prefix-$node" "$node" pgbackrest --stanza=gridcase check
}

# restore TIME: what the repository holds, recovered to TIME (recovery_target_time: every
# transaction committed before it, none after) into rs/pgdata, then promoted, with archiving
# off so that the copy never writes into the formation's archive. It listens on a unix socket
# only: the settings it restored name the node's address, which only that node has.
restore() {
    local target=$1 sock="$real/rs/run"
    rs_stop
    rm -rf "$real/rs/pgdata"
    install -d -o postgres -g postgres -m 700 "$real/rs/pgdata"
    as_pg "$prefix-app" rs pgbackrest --stanza=gridcase --type=time "--target=$target" \
        --target-action=promote --archive-mode=off restore >&2
    as_pg "$prefix-app" rs pg_ctl -D "$real/rs/pgdata" -l "$real/rs/postgres.log" -w -t 300 \
        -o "-c listen_addresses='' -c port=$(port_of rs) -c unix_socket_directories='$sock' -c synchronous_standby_names=''" \
        start >&2
    # pg_ctl -w returns once connections are taken, which is during recovery
    wait_for 300 "the restored cluster's promotion" rs_promoted
    echo "host=$sock port=$(port_of rs) user=gridcase dbname=gridcase"
}
rs_promoted() {
    [ "$(as_pg "$prefix-app" rs psql -X -h "$real/rs/run" -p "$(port_of rs)" -d gridcase \
        -tAc "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]
}
rs_stop() {
    [ -f "$real/rs/pgdata/postmaster.pid" ] || return 0
    as_pg "$prefix-app" rs pg_ctl -D "$real/rs/pgdata" -m immediate stop >/dev/null 2>&1 || true
}

down() {
    [ -f "$dir/prefix" ] || exit 0
    local node p left
    rs_stop # (and the restored copy's processes, if that failed, with the nodes' below)
    for node in n1 n2 mon rs; do
        # pg_autoctl stops its postgres on SIGTERM; whatever is left after 15 s is killed
        for p in $(node_pids "$node"); do kill -TERM "$p" 2>/dev/null || true; done
    done
    for _ in $(seq 75); do
        left=$(node_pids n1; node_pids n2; node_pids mon; node_pids rs)
        [ -z "$left" ] && break
        sleep 0.2
    done
    for node in n1 n2 mon rs; do
        # a frozen process gets the kill too (SIGKILL needs no SIGCONT)
        for p in $(node_pids "$node"); do kill -KILL "$p" 2>/dev/null || true; done
        rm -f "$dir/$node.pid"
    done
    for _ in $(seq 25); do [ -z "$(node_pids n1; node_pids n2; node_pids mon; node_pids rs)" ] && break; sleep 0.2; done
    if [ -f "$dir/namespaces" ]; then
        while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done < "$dir/namespaces"
    fi
    case $real in /tmp/gridcase-ha.*) rm -rf "$real" ;; esac
    rm -f "$dir/prefix" "$dir/real" "$dir/port" "$dir/namespaces" "$dir/env"
}

if [ "$cmd" != up ]; then load; fi
case $cmd in
    up) up ;;
    down) down ;;
    state) state ;;
    primary) primary ;;
    start)
        # a node killed a moment ago may not be gone yet, and pg_autoctl refuses to start while
        # the pid in its pid file lives
        for _ in $(seq 50); do [ -z "$(node_pids "${3:?NODE}")" ] && break; sleep 0.2; done
        # (a killed process nobody has reaped yet is a zombie, which kill -0 still finds: its pid
        # file is stale)
        find "$real/$3/run" -name pg_autoctl.pid 2>/dev/null | while read -r f; do
            state=$(ps -o stat= -p "$(head -n 1 "$f")" 2>/dev/null || true)
            if [ -z "$state" ] || [ "${state:0:1}" = Z ]; then rm -f "$f"; fi
        done
        run_node "$3" pg_autoctl run --pgdata "$real/$3/pgdata" ;;
    pids) node_pids "${3:?NODE}" ;;
    pgpids) pg_pids "${3:?NODE}" ;;
    backup) backup ;;
    archived) archived ;;
    restore) restore "${3:?TIME}" ;;
    *) echo "formation: unknown command $cmd" >&2; exit 2 ;;
esac
