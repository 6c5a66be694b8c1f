#!/usr/bin/env bash
# The schema's source and its runner, on a private PostgreSQL cluster. Usage: run.sh BIN_DIR
#
# 1. Nothing changed by accident: a database built from the migration chain as it stood before
#    the schema was laid out by concern (chain-before-layout.tar.xz, each file in a transaction
#    as the runner of that time applied them) and one built by `gridctl migrate` from
#    deploy/schema are dumped (pg_dump --schema-only) and compared object by object
#    (compare.py); every difference must be listed, with its reason, in allowed.txt.
# 2. gridctl migrate's rules, on a copy of deploy/schema: a second run is a no-op; a function
#    file changed is applied again, and a function removed from the source is gone from the
#    database; a numbered migration changed after it was applied is refused; a migration that
#    fails changes nothing (nor do the function files pending with it); a migration may change a
#    table a view reads; a database migrated further than the files, or made by the layout
#    before checksums, is refused.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
. tests/integration/lib.sh

dir="$PWD/var/schematest-$$"
port=$((24000 + $$ % 1000))
mkdir -p "$dir"
cleanup() { deploy/pg.sh stop "$dir/pg" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
timeout -k 5 90 deploy/pg.sh start "$dir/pg" "$port" || { echo "not ok - PostgreSQL did not start"; exit 1; }
base="host=127.0.0.1 port=$port user=gridcase"
q() { psql "$base dbname=$1" -v ON_ERROR_STOP=1 -qtAc "$2"; }
q postgres "CREATE DATABASE chain" && q postgres "CREATE DATABASE layout"

# ---- 1. the chain and the layout give the same schema, but for the listed differences --------
mkdir -p "$dir/chain"
tar -xJf tests/schema/chain-before-layout.tar.xz -C "$dir/chain"
chain_ok=1
for f in "$dir"/chain/chain/deploy/migrations/*.up.sql; do
    psql "$base dbname=chain" -q -1 -v ON_ERROR_STOP=1 -f "$f" >/dev/null || chain_ok=0
done
expect_eq "the old chain applies" "$chain_ok" 1
export GC_PG_DSN="$base dbname=layout"
expect_ok "gridctl migrate builds the schema from deploy/schema" timeout -k 5 60 "$bin/gridctl" migrate
dump() { pg_dump --schema-only -T schema_migrations -T schema_repeatables "$base dbname=$1"; }
dump chain > "$dir/chain.sql" && dump layout > "$dir/layout.sql"
if out=$(python3 tests/schema/compare.py "$dir/chain.sql" "$dir/layout.sql" tests/schema/allowed.txt); then
    ok "pg_dump of both differs only as tests/schema/allowed.txt lists"
else
    not_ok "pg_dump of both differs only as tests/schema/allowed.txt lists" "$(grep -v '^# allowed' <<<"$out")"
fi

# ---- 2. the runner's rules ------------------------------------------------------------------
schema="$dir/schema"
cp -r deploy/schema "$schema"
export GC_SCHEMA_DIR="$schema"
migrate() { timeout -k 5 60 "$bin/gridctl" migrate 2>&1; }
applied() { q layout "SELECT string_agg(name || ':' || left(checksum, 12), ' ' ORDER BY name) FROM schema_repeatables"; }
before=$(applied)
objects="SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'gc\\_%'), (SELECT count(*) FROM pg_views WHERE schemaname = 'public'), (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)"
objects_before=$(q layout "$objects")
out=$(migrate)
expect_eq "a second run changes nothing" "$(grep -c 'schema up to date' <<<"$out")" 1
expect_eq "and applies no file again" "$(applied)" "$before"

cat >> "$schema/functions/clock.sql" <<'SQL'

CREATE FUNCTION gc_probe() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;
SQL
out=$(migrate)
expect_eq "a function file changed is applied again" "$(q layout "SELECT gc_probe()")" 1
expect_ok "its new checksum is recorded" test "$(applied)" != "$before"
cp deploy/schema/functions/clock.sql "$schema/functions/clock.sql"
migrate >/dev/null
expect_eq "a function removed from the source is gone from the database" \
    "$(q layout "SELECT count(*) FROM pg_proc WHERE proname = 'gc_probe'")" 0
expect_eq "and the other functions, views and triggers are all back" "$(q layout "$objects")" \
    "$objects_before"
expect_eq "the dashboards' grants are back with the views" \
    "$(q layout "SELECT has_table_privilege('gridcase_dashboard', 'stats_area_current', 'SELECT')")" t

first=$(ls "$schema/migrations/0001_baseline" | head -1)
echo "-- an edit after the fact" >> "$schema/migrations/0001_baseline/$first"
expect_fail "a numbered migration changed after it was applied is refused" \
    "migration 0001_baseline was changed after it was applied" "$bin/gridctl" migrate
cp "deploy/schema/migrations/0001_baseline/$first" "$schema/migrations/0001_baseline/$first"

migrations_before=$(q layout "SELECT count(*) FROM schema_migrations")
views_before=$(q layout "SELECT count(*) FROM pg_views WHERE schemaname = 'public'")
cat > "$schema/migrations/0900_fails.sql" <<'SQL'
CREATE TABLE half_done (id integer);
SELECT 1 / 0;
SQL
echo "CREATE FUNCTION gc_probe() RETURNS integer LANGUAGE sql AS \$\$ SELECT 2 \$\$;" >> "$schema/functions/clock.sql"
expect_fail "a migration that fails is reported with its file and PostgreSQL's message" \
    "0900_fails.sql: division by zero" "$bin/gridctl" migrate
expect_eq "and changes nothing: no table, no function from the files pending with it, no record" \
    "$(q layout "SELECT to_regclass('half_done') IS NULL, (SELECT count(*) FROM pg_proc WHERE proname = 'gc_probe'), (SELECT count(*) FROM schema_migrations)")" \
    "t|0|$migrations_before"
expect_eq "and the views it would have dropped are still there" \
    "$(q layout "SELECT count(*) FROM pg_views WHERE schemaname = 'public'")" "$views_before"
rm "$schema/migrations/0900_fails.sql"
cp deploy/schema/functions/clock.sql "$schema/functions/clock.sql"

cat > "$schema/migrations/0900_wider.sql" <<'SQL'
-- a column a view reads changes type: the views are dropped while migrations run
ALTER TABLE stats_area_windows ALTER COLUMN reported TYPE numeric;
SQL
expect_ok "a migration may change a table a view reads" "$bin/gridctl" migrate
expect_eq "it is recorded with its checksum, and the view reads the new column" \
    "$(q layout "SELECT (SELECT count(*) FROM schema_migrations WHERE version = 900 AND length(checksum) = 64), (SELECT data_type FROM information_schema.columns WHERE table_name = 'stats_area_figures' AND column_name = 'reported')")" \
    "1|numeric"
rm "$schema/migrations/0900_wider.sql"
expect_fail "a database migrated further than the files is refused" \
    "the database has migration 0900_wider.sql, which this gridcase does not have" "$bin/gridctl" migrate

q postgres "CREATE DATABASE older"
q older "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (22, false)"
expect_fail "a database of the layout before checksums is refused, with what to do" \
    "HINT: create the database afresh" env GC_PG_DSN="$base dbname=older" "$bin/gridctl" migrate
expect_eq "and left as it was" "$(q older "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 1

echo "1..$checks"
[ "$failures" -eq 0 ]
