#!/bin/bash
# The stand-in PostgreSQL image's entrypoint. On the first start (an empty PGDATA) it makes the
# cluster: POSTGRES_USER (default postgres) as the superuser with the password from
# POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD, POSTGRES_INITDB_ARGS given to initdb, the database
# POSTGRES_DB (default: the user's name), then each *.sql and *.sh of /docker-entrypoint-initdb.d
# run against it by a server that listens on the Unix socket only (a health check over TCP
# fails until the real server is up). Then, and on every later start, it runs `postgres` as the
# user postgres, as PID 1 (the engine's stop signal reaches it). Connections over TCP need the
# password (scram-sha-256); inside the container, the socket trusts local users (docker-compose
# exec postgres psql -U ...).
set -euo pipefail

# arguments starting with "-" are postgres' own
[ "${1:0:1}" = "-" ] && set -- postgres "$@"
if [ "$1" != postgres ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        password=$(< "$POSTGRES_PASSWORD_FILE")
    else
        password=${POSTGRES_PASSWORD:-}
    fi
    if [ -z "$password" ]; then
        echo "docker-entrypoint: the database is not initialised and no superuser password is set:" \
             "POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "$password" > "$pwfile"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
    rm -f "$pwfile"
    printf '\n# every host, with a password (the compose network)\nhost all all all scram-sha-256\n' \
        >> "$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
    if [ "$db" != postgres ]; then
        psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -q --set db="$db" <<< 'CREATE DATABASE :"db"'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
        *.sql) echo "docker-entrypoint: running $f"; psql -v ON_ERROR_STOP=1 -U "$user" -d "$db" -f "$f" ;;
        *.sh) echo "docker-entrypoint: running $f"
              # shellcheck disable=SC1090 # the operator's own scripts
              . "$f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "docker-entrypoint: initialised; starting PostgreSQL"
fi
exec "$@"
