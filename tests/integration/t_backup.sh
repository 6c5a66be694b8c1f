# Backup and restore, as deploy/README.md tells the operator: pg_dump -Fc of the live database
# while the stack runs, pg_restore into a fresh database, and the same again into a fresh cluster
# with the roles file (pg_dumpall --roles-only) first. The restored copies must hold exactly what
# the dump's snapshot held: every table's rows, the event log, one case's whole timeline as
# `gridctl show --json` prints it, and (on the fresh cluster) the daemon roles with their grants.
# Grid 4101020302.
g=4101020302
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
bk=$PWD/$GC_VAR/t_backup
rm -rf "$bk"
mkdir -p "$bk"
# The same rendering of timestamps and floats in every session that computes a checksum.
export PGOPTIONS="-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=3"
restored_db="gridcase_restore_$$"
restored_dsn="${GC_PG_DSN/dbname=gridcase/dbname=$restored_db}"
fresh_port=$((GC_PORT_BASE + 9)) # run.sh's block is BASE..BASE+9; the stack uses BASE..BASE+7
fresh_dsn="host=127.0.0.1 port=$fresh_port user=gridcase dbname=gridcase"

cleanup_backup() {
    [ -n "${snap_pid:-}" ] && kill "$snap_pid" 2>/dev/null
    deploy/pg.sh stop "$bk/fresh" >/dev/null 2>&1
    [ -e "$bk/fresh/pgdata" ] && rm -rf "$(readlink -f "$bk/fresh/pgdata")"
    psql "$GC_PG_DSN" -qc "DROP DATABASE IF EXISTS $restored_db" >/dev/null 2>&1
    rm -rf "$bk"
}
trap cleanup_backup EXIT

# One line per database: every table in public with its row count and an md5 of its rows (in a
# stable order), then the event log's end and the cursors; the restored copy must say the same.
fingerprint_sql="SELECT string_agg(format('%s:%s', c.relname,
        (xpath('/row/f/text()', query_to_xml(format(
            'SELECT count(*) || ''/'' || md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text), '''')) AS f FROM %I t',
            c.relname), false, true, '')))[1]::text), ' ' ORDER BY c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'"
counts_sql="SELECT (SELECT count(*) FROM cases) || ' ' || (SELECT count(*) FROM case_events)"

# A case with a whole life: submitted with a reporter, triaged (no routing rule for neighbour
# disputes: no department's queue is touched), a note, resolved on the spot, closed.
ref=$(gridctl submit --category neighbour_dispute --grid $g --desc "楼上漏水，邻里协商未果" \
    --reporter "备份测试居民" --phone "13900001111" --source resident 2>/dev/null)
expect_eq "a case is submitted" "$(grep -cE '^GC-[0-9]+$' <<<"$ref")" "1"
wait_for "the case is triaged" 10 field_is "$ref" .status triage
expect_ok "a note" gridctl note "$ref" --note "网格员已上门了解情况"
expect_ok "resolved on the spot" gridctl spot "$ref" --note "双方达成一致"
expect_eq "the case is closed" "$(case_field "$ref" .status)" "closed"
timeline=$(gridctl show "$ref" --json)
expect_eq "its timeline has four steps" "$(jq -c '[.timeline[].kind]' <<<"$timeline")" \
    '["submitted","triaged","noted","resolved_on_spot"]'

# The dump, while every daemon runs. Its snapshot is exported from a session that also takes the
# fingerprint, so the comparison does not depend on nothing else writing meanwhile (escalation
# sweeps, stats folds).
coproc SNAP { "$pgbin/psql" -X -q -t -A -v ON_ERROR_STOP=1 "$GC_PG_DSN" 2>&1; }
# shellcheck disable=SC2153 # set by coproc
snap_pid=$SNAP_PID
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${SNAP[1]}"
read -r -t 20 snapshot <&"${SNAP[0]}"
echo "$counts_sql;" >&"${SNAP[1]}"
read -r -t 20 counts <&"${SNAP[0]}"
echo "SELECT count(*) FROM cases WHERE ref = '$ref';" >&"${SNAP[1]}"
read -r -t 20 has_case <&"${SNAP[0]}"
printf '%s;\n' "$fingerprint_sql" >&"${SNAP[1]}"
read -r -t 60 fingerprint <&"${SNAP[0]}"
# Through pipes, as `docker-compose exec -T postgres pg_dump ... > file` writes it: pg_dump cannot
# seek back to record where each table's data starts, and pg_restore below reads from a pipe too.
dump_via_pipe() { "$pgbin/pg_dump" -Fc --snapshot="$snapshot" --dbname="$GC_PG_DSN" | cat > "$bk/gridcase.dump"; }
expect_ok "pg_dump -Fc of the running database, in the exported snapshot, through a pipe" dump_via_pipe
printf 'COMMIT;\n\\q\n' >&"${SNAP[1]}"
wait "$snap_pid" 2>/dev/null
snap_pid=""
roles_via_pipe() { "$pgbin/pg_dumpall" --roles-only --dbname="$GC_PG_DSN" | cat > "$bk/roles.sql"; }
expect_ok "pg_dumpall --roles-only (the roles are not in a database's dump)" roles_via_pipe
expect_eq "the snapshot holds the case, and a fingerprint of every table" \
    "$has_case $(grep -o 'case_events:[0-9]*/' <<<"$fingerprint")" "1 case_events:${counts#* }/"

# 1. Into a fresh database on the same cluster (the roles exist there).
expect_ok "a fresh database" psql "$GC_PG_DSN" -qc "CREATE DATABASE $restored_db"
# restore_via_pipe DSN: pg_restore reading the dump from a pipe, as `... exec -T postgres
# pg_restore ... < file` does
# shellcheck disable=SC2002 # a pipe on purpose
restore_via_pipe() { cat "$bk/gridcase.dump" | "$pgbin/pg_restore" --exit-on-error --single-transaction --dbname="$1"; }
expect_ok "pg_restore from a pipe, in one transaction, stopping at any error" restore_via_pipe "$restored_dsn"
expect_eq "the restored database has the snapshot's case and event counts" \
    "$(psql "$restored_dsn" -tAc "$counts_sql")" "$counts"
restored_fp=$(psql "$restored_dsn" -tAc "$fingerprint_sql")
if [ "$restored_fp" == "$fingerprint" ]; then
    ok "every table holds the same rows ($(wc -w <<<"$fingerprint") tables compared)"
else
    not_ok "every table holds the same rows" \
        "differ: $(diff <(tr ' ' '\n' <<<"$fingerprint") <(tr ' ' '\n' <<<"$restored_fp") | grep '^[<>]' | tr '\n' ' ')"
fi
expect_eq "gridctl show --json prints the same case and timeline from the restored database" \
    "$(GC_PG_DSN="$restored_dsn" gridctl show "$ref" --json)" "$timeline"
expect_eq "the restored event log ends where its counter says, with no gap" \
    "$(psql "$restored_dsn" -tAc "SELECT (SELECT last_seq FROM event_streams WHERE stream = 'case') = (SELECT coalesce(max(seq), 0) FROM case_events) AND (SELECT count(*) FROM case_events) = (SELECT coalesce(max(seq), 0) FROM case_events)")" "t"
expect_eq "every consumer cursor is within the restored log" \
    "$(psql "$restored_dsn" -tAc "SELECT bool_and(last_seq <= (SELECT last_seq FROM event_streams WHERE stream = 'case')) FROM consumer_cursors")" "t"
expect_eq "the restored case id sequence is past every restored case (new cases do not collide)" \
    "$(psql "$restored_dsn" -tAc "SELECT (SELECT last_value FROM cases_id_seq) >= (SELECT max(id) FROM cases)")" "t"

# 2. Into a fresh cluster, as on a new machine: roles first, then the database.
if ! deploy/pg.sh start "$bk/fresh" "$fresh_port" > "$bk/fresh.log" 2>&1; then
    not_ok "a fresh PostgreSQL cluster starts" "$(cat "$bk/fresh.log")"
else
    psql "$fresh_dsn" -X -q < "$bk/roles.sql" > "$bk/roles.out" 2>&1
    expect_eq "the roles file applies; the only error is the owner the cluster was created with" \
        "$(grep -c 'ERROR' "$bk/roles.out") $(grep -c 'role "gridcase" already exists' "$bk/roles.out")" "1 1"
    expect_eq "the daemon and dashboard roles exist on the fresh cluster" \
        "$(psql "$fresh_dsn" -tAc "SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'gridcase\_%'")" \
        "gridcase_dashboard gridcase_escalation gridcase_intake gridcase_open311 gridcase_routing gridcase_stats"
    expect_ok "pg_restore into the fresh cluster's database" restore_via_pipe "$fresh_dsn"
    fresh_fp=$(psql "$fresh_dsn" -tAc "$fingerprint_sql")
    if [ "$fresh_fp" == "$fingerprint" ]; then
        ok "the fresh cluster holds the same rows in every table"
    else
        not_ok "the fresh cluster holds the same rows in every table" \
            "differ: $(diff <(tr ' ' '\n' <<<"$fingerprint") <(tr ' ' '\n' <<<"$fresh_fp") | grep '^[<>]' | tr '\n' ' ')"
    fi
    expect_eq "gridctl show --json is the same on the fresh cluster" \
        "$(GC_PG_DSN="$fresh_dsn" gridctl show "$ref" --json)" "$timeline"
    # the grants came back with the tables: each role has its privileges, and no more
    expect_eq "gridcase_stats reads the event log on the fresh cluster" \
        "$(psql "${fresh_dsn/user=gridcase/user=gridcase_stats}" -tAc "SELECT count(*) FROM case_events" 2>&1)" "${counts#* }"
    expect_fail "but not the reporters' phones" "permission denied" \
        psql "${fresh_dsn/user=gridcase/user=gridcase_stats}" -tAc "SELECT reporter_phone FROM cases LIMIT 1"
    expect_fail "and gridcase_intake cannot move a consumer cursor" "permission denied" \
        psql "${fresh_dsn/user=gridcase/user=gridcase_intake}" -tAc "UPDATE consumer_cursors SET last_seq = 0"
fi
cleanup_backup
trap - EXIT
