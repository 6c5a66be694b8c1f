# The fold writes a whole batch with one statement per table (gc_stats_add_batch,
# gc_stats_add_department_batch): each batch's entries are expanded to their areas and windows
# and summed per row before the upsert. Two checks that fail if that expansion or summing is
# wrong:
#  1. the set-based writers add exactly what a recount of the entries, written in this test,
#     gives, figure by figure, on a batch built to need the summing: grids under one community
#     and street, a community's own entry, a key given twice, days in two months and two
#     years, a code that is not an area, unknown departments (one spelled with array syntax
#     characters);
#  2. a real backlog folded in ONE batch (gc-stats stopped meanwhile) that holds several grids of
#     two communities and two streets, several categories and cases of two report days (the
#     clock crosses midnight; day-1 cases close on day 2) gives every published figure equal to
#     the recount, and per (area, category, window) row, day windows included, the reported and
#     closed counts of a recount of these cases.
# Grids 4101020301 and 4101020302 (community 41010203), 4101020103 (41010201) and 4101010201
# (street 410101). Other tests use them too; the only figures they check there (t_meetings:
# closed at the street in 4101010201, extensions in 4101020103) are ones this test never moves.
kill_stats() { kill -KILL "$(cat "$GC_VAR/run/stats.pid")" 2>/dev/null; }
restart_stats() { deploy/stack.sh up "$bin" >/dev/null; }
caught_up() { [ "$(sql "SELECT count(*) FROM consumer_cursors WHERE consumer <> '$1' AND last_seq < (SELECT last_seq FROM event_streams)")" = 0 ]; }

# Shortly before local midnight, with nothing of the earlier tests left for gc-stats to fold
# after it stops: the backlog this test folds as one batch of 500 must be its own (about 54
# events). Two ways the earlier tests' cases got into it, each seen in CI (1,054 and 1,465
# events): cases falling due in the test's ten minutes, escalated after gc-stats stopped (which
# evening is clear of them depends on when the earlier tests ran); and the cases the jump made
# due, when the consumers were found caught up before escalation's next tick had swept them.
# So: the first evening on which no open case falls due in those minutes; and after the jump,
# nothing overdue left unswept (escalation's own predicate) and every consumer caught up.
target=$(sql "SELECT to_char(t AT TIME ZONE z, 'YYYY-MM-DD HH24:MI')
              FROM (SELECT s.time_zone AS z, k,
                           (date_trunc('day', gc_now() AT TIME ZONE s.time_zone)
                            + make_interval(days => k) + interval '23 hours 55 minutes')
                           AT TIME ZONE s.time_zone AS t
                    FROM district_settings s, generate_series(0, 60) k) c
              WHERE t > gc_now() + interval '5 minutes'
                AND NOT EXISTS (SELECT 1 FROM cases x
                                WHERE x.status NOT IN ('resolved', 'closed')
                                  AND x.supervised_at IS NULL
                                  AND x.deadline_at > t AND x.deadline_at <= t + interval '15 minutes')
              ORDER BY k LIMIT 1")
gridctl clock set "$target" >/dev/null
swept() {
    [ "$(sql "SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed')
                AND supervised_at IS NULL AND deadline_at <= gc_now()")" = 0 ] && caught_up none
}
wait_for "every consumer caught up at $target" 120 swept
kill_stats

# ---- 1. the set-based writers against a recount of their entries ----------------------------
entries="(1, '4101020301', 'street_light', date '2031-12-31', 'municipal'),
    (2, '4101020302', 'street_light', date '2031-12-31', 'municipal'),
    (3, '4101020301', 'drain_cover', date '2031-12-31', 'municipal'),
    (4, '4101020301', 'street_light', date '2032-01-01', 'municipal'),
    (5, '4101020103', 'street_light', date '2031-12-30', 'sanitation'),
    (6, '4101010201', 'neighbour_dispute', date '2031-12-31', 'sanitation'),
    (7, '41010203', 'street_light', date '2031-12-31', 'police'),
    (8, '4101020301', 'street_light', date '2031-12-31', 'municipal'),
    (9, '4101029999', 'drain_cover', date '2032-01-01', 'no_such_department'),
    (10, '4101020302', 'green_space', date '2031-12-31', 'we\"ird,{dept}\\')"
# every figure of every entry differs (i * 1000 + column), so a delta added to the wrong row or
# column shows
deltas="ARRAY(SELECT (i * 1000 + k)::bigint FROM generate_series(1, 28) k)"
dept_deltas="ARRAY(SELECT (i * 1000 + k)::bigint FROM generate_series(1, 6) k)"
batch="SELECT gc_stats_add_batch(array_agg(area ORDER BY i), array_agg(category ORDER BY i),
                                 array_agg(day ORDER BY i), array_agg($deltas ORDER BY i)),
              gc_stats_add_department_batch(array_agg(dept ORDER BY i),
                  array_agg(category ORDER BY i), array_agg(day ORDER BY i),
                  array_agg($dept_deltas ORDER BY i))
       FROM entries"
# the rows after the writes, as gc-stats' role writes them; rolled back
figures_after() {
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -tAq <<SQL
BEGIN;
CREATE TEMP TABLE entries (i, area, category, day, dept) AS VALUES $entries;
GRANT SELECT ON entries TO gridcase_stats;
SET ROLE gridcase_stats;
\o /dev/null
$1;
\o
SELECT f::text FROM stats_area_windows f ORDER BY area_code, category, window_kind, window_start;
SELECT f::text FROM stats_department_windows f ORDER BY department, category, window_kind, window_start;
ROLLBACK;
SQL
}
mkdir -p "$GC_VAR/batch"
# What the batch must add, counted here from the entries alone: each entry's deltas to its area
# and every area above it (the area codes that are prefixes of its code) in the four windows of
# its day, and to its department when that is one; compared, figure by figure, with what the
# tables gained (every row's columns unpivoted: column k of the counters is delta k).
added_versus_recount() {
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -tAq <<SQL
BEGIN;
CREATE TEMP TABLE entries (i, area, category, day, dept) AS VALUES $entries;
CREATE TEMP TABLE area_before AS SELECT * FROM stats_area_windows;
CREATE TEMP TABLE dept_before AS SELECT * FROM stats_department_windows;
GRANT SELECT ON entries TO gridcase_stats;
SET ROLE gridcase_stats;
\o /dev/null
$batch;
\o
RESET ROLE;
CREATE TEMP VIEW gained AS
WITH a AS (SELECT f.area_code AS code, f.category, f.window_kind, f.window_start,
                  c.attnum - 4 AS k, (to_jsonb(f) ->> c.attname)::bigint
                  - coalesce((to_jsonb(b) ->> c.attname)::bigint, 0) AS v
           FROM stats_area_windows f
           LEFT JOIN area_before b USING (area_code, category, window_kind, window_start)
           JOIN pg_attribute c ON c.attrelid = 'stats_area_windows'::regclass AND c.attnum > 4),
     d AS (SELECT f.department AS code, f.category, f.window_kind, f.window_start,
                  c.attnum - 4 AS k, (to_jsonb(f) ->> c.attname)::bigint
                  - coalesce((to_jsonb(b) ->> c.attname)::bigint, 0) AS v
           FROM stats_department_windows f
           LEFT JOIN dept_before b USING (department, category, window_kind, window_start)
           JOIN pg_attribute c ON c.attrelid = 'stats_department_windows'::regclass AND c.attnum > 4)
SELECT 'area' AS t, * FROM a WHERE v <> 0 UNION ALL SELECT 'department', * FROM d WHERE v <> 0;
CREATE TEMP VIEW recount AS
SELECT 'area' AS t, a.code, e.category, w.window_kind, w.window_start, k, sum(e.i * 1000 + k) AS v
FROM entries e JOIN areas a ON left(e.area, length(a.code)) = a.code
CROSS JOIN gc_stats_windows(e.day) w CROSS JOIN generate_series(1, 28) k
GROUP BY a.code, e.category, w.window_kind, w.window_start, k
UNION ALL
SELECT 'department', e.dept, e.category, w.window_kind, w.window_start, k, sum(e.i * 1000 + k)
FROM entries e JOIN departments x ON x.code = e.dept
CROSS JOIN gc_stats_windows(e.day) w CROSS JOIN generate_series(1, 6) k
GROUP BY e.dept, e.category, w.window_kind, w.window_start, k;
SELECT (SELECT count(*) FROM recount) || ' figures, '
       || (SELECT count(*) FROM (SELECT * FROM gained EXCEPT SELECT * FROM recount) x)
       || ' gained but not counted, '
       || (SELECT count(*) FROM (SELECT * FROM recount EXCEPT SELECT * FROM gained) x)
       || ' counted but not gained';
ROLLBACK;
SQL
}
out=$(added_versus_recount 2>&1)
figures_after "$batch" > "$GC_VAR/batch/batch.txt" 2>&1
if grep -q ' 0 gained but not counted, 0 counted but not gained' <<<"$out"; then
    ok "one set-based call adds exactly what a recount of the entries gives ($out)"
else
    not_ok "one set-based call adds exactly what a recount of the entries gives" "$out"
fi
# the comparison means something only if the batch reached the rows it had to
expect_eq "the district's street_light rows of the batch: 3 days, 2 months, 2 years" \
    "$(grep -cE '^\(4101,street_light,(day|month|year),203[12]-' "$GC_VAR/batch/batch.txt")" "7"
expect_eq "the community's day row sums its grids' entries and its own (1, 2, 7 and the repeated 8)" \
    "$(grep -c '^(41010203,street_light,day,2031-12-31,18004,' "$GC_VAR/batch/batch.txt")" "1"
expect_eq "a code that is not an area counts for the areas above it, and only for them" \
    "$(grep -c '^(410102,drain_cover,day,2032-01-01,9001,' "$GC_VAR/batch/batch.txt") $(grep -c -e '^(4101029999,' -e '^(41010299,' "$GC_VAR/batch/batch.txt")" "1 0"
expect_eq "municipal's street_light day row sums entries 1, 2 and the repeated 8; unknown departments have no row" \
    "$(grep -c '^(municipal,street_light,day,2031-12-31,11003,' "$GC_VAR/batch/batch.txt") $(grep -c -e 'no_such_department' -e 'ird' "$GC_VAR/batch/batch.txt")" "1 0"
expect_eq "stats may call the set-based writers, other roles may not" \
    "$(sql "SELECT string_agg(r || '=' || has_function_privilege(r, f, 'EXECUTE'), ' ' ORDER BY r, f) FROM unnest(ARRAY['gridcase_stats', 'gridcase_intake']) r, unnest(ARRAY['gc_stats_add_batch(text[], text[], date[], bigint[])', 'gc_stats_add_department_batch(text[], text[], date[], bigint[])']) f")" \
    "gridcase_intake=false gridcase_intake=false gridcase_stats=true gridcase_stats=true"
expect_fail "arrays that do not line up are refused" "gc_stats_add_batch: 2 areas, 1 categories" \
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -tAc \
    "SELECT gc_stats_add_batch('{4101,4101}', '{street_light}', '{2031-12-31,2031-12-31}', '{{1},{2}}')"
# the literals gc_pg_array_text builds (tests/unit/test_gc_pg_array.c) read back as the texts they carry
expect_eq "PostgreSQL reads gc_pg_array_text's quoting back as the original texts" \
    "$(psql "$GC_PG_DSN" -tA <<'SQL'
SELECT '{"say \"hi\"","C:\\dir\\","a,b","{x}"," padded ","NULL","","金水区",NULL}'::text[]
    IS NOT DISTINCT FROM ARRAY['say "hi"', 'C:\dir\', 'a,b', '{x}', ' padded ', 'NULL', '', '金水区', NULL];
SQL
)" "t"

# ---- 2. one real batch across grids, categories and two days --------------------------------
first=$(sql "SELECT coalesce(max(id), 0) FROM cases")
ours="c.id > $first"
areas="'4101020301', '4101020302', '4101020103', '4101010201', '41010203', '41010201', '41010102', '410102', '410101', '4101'"
rows_of_our_areas() {
    sql "SELECT area_code || ' ' || category || ' ' || window_kind || ' ' || window_start || ' ' || reported || ' ' || closed FROM stats_area_windows WHERE area_code IN ($areas) ORDER BY 1"
}
rows_of_our_areas > "$GC_VAR/batch/before.txt"
ref_of() { sql "SELECT ref FROM cases c WHERE $ours AND area_code = '$1' AND category = '$2' ORDER BY id LIMIT 1 OFFSET ${3:-0}"; }
submit() { gc-load submit "$GC_INTAKE_URL" "$1" "$2" "$3" > /dev/null 2>&1 || not_ok "$1 cases submitted in $2 ($3)"; }
all_placed() { [ "$(sql "SELECT count(*) FROM cases c WHERE $ours AND status = 'submitted'")" = 0 ]; }

# day 1, 23:55
submit 4 4101020301 street_light
submit 3 4101020302 street_light
submit 2 4101020301 drain_cover
submit 2 4101020103 dirty_surroundings
submit 2 4101010201 street_light
dispute=$(gridctl submit --category neighbour_dispute --grid 4101020302 --desc "邻里纠纷")
wait_for "day 1: every case is routed or triaged" 30 all_placed
day1=$(ref_of 4101020301 street_light)
gridctl dept resolve "$day1" --dept municipal >/dev/null && gridctl verify "$day1" --ok >/dev/null
# midnight passes: day 2, 00:05
gridctl clock advance 600 >/dev/null
submit 3 4101020301 street_light
submit 2 4101020302 drain_cover
submit 2 4101020103 street_light
wait_for "day 2: every case is routed or triaged" 30 all_placed
gridctl spot "$dispute" --note "当场调解" >/dev/null                       # a day-1 case closes
late=$(ref_of 4101020103 dirty_surroundings)
gridctl dept resolve "$late" --dept sanitation >/dev/null && gridctl verify "$late" --ok >/dev/null
new=$(ref_of 4101020301 street_light 4)
gridctl dept resolve "$new" --dept municipal >/dev/null && gridctl verify "$new" --ok >/dev/null
gridctl dept return "$(ref_of 4101020302 drain_cover)" --dept municipal --note "不归我们管" >/dev/null
gridctl escalate "$(ref_of 4101020103 street_light)" --reason "网格协调不了" >/dev/null
wait_for "routing and escalation have applied everything" 30 caught_up stats

backlog=$(sql "SELECT (SELECT last_seq FROM event_streams) - last_seq FROM consumer_cursors WHERE consumer = 'stats'")
expect_eq "the whole backlog ($backlog events) is one batch of gc-stats (500)" "$([ "$backlog" -gt 0 ] && [ "$backlog" -lt 500 ] && echo yes)" "yes"
expect_eq "the batch holds 2 report days, 4 grids, 4 categories, closures of both days" \
    "$(sql "SELECT count(DISTINCT (c.created_at AT TIME ZONE s.time_zone)::date) || ' ' || count(DISTINCT c.area_code) || ' ' || count(DISTINCT c.category) || ' ' || count(DISTINCT (c.created_at AT TIME ZONE s.time_zone)::date) FILTER (WHERE e.kind IN ('verified', 'resolved_on_spot')) FROM case_events e JOIN cases c ON c.id = e.case_id, district_settings s WHERE e.seq > (SELECT last_seq FROM consumer_cursors WHERE consumer = 'stats') AND $ours")" \
    "2 4 4 2"
restart_stats
settled() {
    local last hb
    last=$(sql "SELECT last_seq FROM event_streams")
    hb=$(gridctl stats --heartbeat --json --timeout 5 | jq -r .event_seq)
    [ "$hb" = "$last" ] && [ "$(sql "SELECT last_seq FROM consumer_cursors WHERE consumer = 'stats'")" = "$last" ]
}
wait_for "gc-stats has folded the batch and published" 30 settled

if compared=$(tests/integration/stats_compare.sh "$GC_VAR/batch"); then
    ok "every published figure equals the from-scratch count ($compared)"
else
    not_ok "every published figure equals the from-scratch count" "$compared"
fi
# per row, every window (the day-1 day window is not a current window): what the batch added
# to reported and closed equals a recount of these cases by report day and closure events
rows_of_our_areas > "$GC_VAR/batch/after.txt"
awk 'FILENAME == ARGV[1] {r[$1 " " $2 " " $3 " " $4] = $5; c[$1 " " $2 " " $3 " " $4] = $6; next}
     {k = $1 " " $2 " " $3 " " $4; dr = $5 - r[k]; dc = $6 - c[k]; if (dr || dc) print k, dr, dc}' \
    "$GC_VAR/batch/before.txt" "$GC_VAR/batch/after.txt" | sort > "$GC_VAR/batch/rows_added.txt"
sql "WITH ours AS (
         SELECT c.area_code, c.category, (c.created_at AT TIME ZONE s.time_zone)::date AS day,
                (SELECT count(*) FROM case_events e WHERE e.case_id = c.id
                    AND (e.kind IN ('verified', 'resolved_on_spot')
                         OR (e.kind = 'meeting_decided' AND e.status = 'closed'))) AS closures
         FROM cases c, district_settings s WHERE $ours),
     windows AS (
         SELECT o.*, w.kind, w.start FROM ours o, LATERAL (VALUES ('day', o.day),
             ('month', date_trunc('month', o.day)::date), ('year', date_trunc('year', o.day)::date),
             ('all', date '1970-01-01')) w (kind, start))
     SELECT a.code || ' ' || w.category || ' ' || w.kind || ' ' || w.start || ' ' || count(*) || ' ' || sum(w.closures)
     FROM windows w JOIN areas a ON left(w.area_code, length(a.code)) = a.code
     GROUP BY a.code, w.category, w.kind, w.start" | sort > "$GC_VAR/batch/rows_recount.txt"
if [ -s "$GC_VAR/batch/rows_recount.txt" ] &&
    cmp -s "$GC_VAR/batch/rows_recount.txt" "$GC_VAR/batch/rows_added.txt"; then
    ok "per area, category and window, the batch added the recount ($(wc -l < "$GC_VAR/batch/rows_recount.txt") rows)"
else
    not_ok "per area, category and window, the batch added the recount" \
        "$(diff "$GC_VAR/batch/rows_recount.txt" "$GC_VAR/batch/rows_added.txt" | head -10)"
fi
expect_eq "the district's street_light day rows: both report days" \
    "$(grep -c '^4101 street_light day ' "$GC_VAR/batch/rows_recount.txt")" "2"
