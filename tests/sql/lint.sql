-- plpgsql_check over every PL/pgSQL function of gridcase (tests/sql/run.sh BIN_DIR lint; the
-- header of run.sh says what is checked). psql variable :allowed holds tests/sql/lint_allowed.txt.
-- Prints every finding; fails (an error, psql exits non-zero) when one is not accepted there.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

-- lint_allowed.txt: "function | sqlstate | pattern | reason", # comments and blank lines skipped
CREATE TEMP TABLE lint_allowed AS
SELECT t.n AS line_no, trim(split_part(t.l, '|', 1)) AS fn, trim(split_part(t.l, '|', 2)) AS sqlstate,
       trim(split_part(t.l, '|', 3)) AS pattern, trim(split_part(t.l, '|', 4)) AS reason
FROM regexp_split_to_table(:'allowed', E'\n') WITH ORDINALITY AS t (l, n)
WHERE t.l !~ '^\s*(#|$)';

DO $$
DECLARE
    bad integer;
BEGIN
    SELECT min(line_no) INTO bad FROM lint_allowed
    WHERE fn = '' OR sqlstate !~ '^[0-9A-Z]{5}$' OR pattern = '' OR reason = '';
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'tests/sql/lint_allowed.txt line %: want "function | sqlstate | pattern | reason"', bad;
    END IF;
END
$$;

-- The functions: PL/pgSQL, schema public, named gc_*; a trigger function once per table with a
-- trigger that calls it (plpgsql_check needs the table to check NEW and OLD).
CREATE TEMP TABLE lint_targets AS
SELECT p.oid AS fn_oid, p.oid::regprocedure::text AS fn_sig, p.proname::text AS fn,
       p.prorettype = 'trigger'::regtype AS is_trigger, tg.tgrelid AS relid
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN LATERAL (SELECT DISTINCT t.tgrelid FROM pg_trigger t WHERE t.tgfoid = p.oid) tg
    ON p.prorettype = 'trigger'::regtype
WHERE l.lanname = 'plpgsql' AND p.pronamespace = 'public'::regnamespace
  AND p.proname LIKE 'gc\_%';

CREATE TEMP TABLE lint_findings (fn text, fn_sig text, on_table text, lineno integer,
                                 statement text, sqlstate text, message text, detail text,
                                 hint text, level text, context text);

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM lint_targets ORDER BY fn_sig, relid LOOP
        IF t.is_trigger AND t.relid IS NULL THEN
            INSERT INTO lint_findings (fn, fn_sig, sqlstate, message, level)
            VALUES (t.fn, t.fn_sig, '00000', 'trigger function fires on no table: not checked',
                    'warning');
            CONTINUE;
        END IF;
        BEGIN
            INSERT INTO lint_findings
            SELECT t.fn, t.fn_sig, t.relid::regclass::text, c.lineno, c.statement, c.sqlstate,
                   c.message, c.detail, c.hint, c.level, c.context
            FROM plpgsql_check_function_tb(t.fn_oid, coalesce(t.relid, 0),
                                           fatal_errors => false, other_warnings => true,
                                           performance_warnings => false,
                                           extra_warnings => true) c;
        EXCEPTION WHEN OTHERS THEN -- plpgsql_check itself failed on this function: a finding
            INSERT INTO lint_findings (fn, fn_sig, on_table, sqlstate, message, level)
            VALUES (t.fn, t.fn_sig, t.relid::regclass::text, SQLSTATE,
                    'plpgsql_check could not check it: ' || SQLERRM, 'error');
        END;
    END LOOP;
END
$$;

-- Each finding with the accepting entry, if any. The pattern (a POSIX regular expression) is
-- matched against "message: detail [context]".
CREATE TEMP TABLE lint_report AS
SELECT f.*, a.line_no AS allowed_line, a.reason AS allowed_reason
FROM lint_findings f
LEFT JOIN LATERAL (
    SELECT x.line_no, x.reason FROM lint_allowed x
    WHERE x.fn = f.fn AND x.sqlstate = f.sqlstate
      AND (f.message || ': ' || coalesce(f.detail, '') || ' [' || coalesce(f.context, '') || ']')
          ~ x.pattern
    ORDER BY x.line_no LIMIT 1) a ON true;

SELECT format('# plpgsql_check: %s functions (%s checks), %s finding(s), %s accepted by lint_allowed.txt',
              (SELECT count(DISTINCT fn_oid) FROM lint_targets), (SELECT count(*) FROM lint_targets),
              (SELECT count(*) FROM lint_report),
              (SELECT count(*) FROM lint_report WHERE allowed_line IS NOT NULL)) AS summary
\g (tuples_only=on format=unaligned)

SELECT format('%s %s%s:%s %s [%s %s] %s%s%s',
              CASE WHEN allowed_line IS NULL THEN 'FAIL' ELSE 'ok  ' END, fn_sig,
              CASE WHEN on_table IS NOT NULL AND on_table <> '-' THEN ' ON ' || on_table ELSE '' END,
              coalesce(lineno::text, '-'), coalesce(statement, ''), level, sqlstate, message,
              CASE WHEN detail IS NOT NULL AND detail <> '' THEN ' (' || detail || ')' ELSE '' END,
              CASE WHEN allowed_line IS NOT NULL
                   THEN E'\n    accepted by lint_allowed.txt line ' || allowed_line || ': ' || allowed_reason
                   WHEN coalesce(context, '') <> '' THEN E'\n    ' || context
                   ELSE '' END) AS finding
FROM lint_report ORDER BY allowed_line IS NULL, fn_sig, lineno
\g (tuples_only=on format=unaligned)

SELECT format('# lint_allowed.txt line %s (%s, %s) matches no finding: fixed? remove it', x.line_no,
              x.fn, x.sqlstate) AS stale
FROM lint_allowed x WHERE NOT EXISTS (SELECT 1 FROM lint_report r WHERE r.allowed_line = x.line_no)
ORDER BY x.line_no
\g (tuples_only=on format=unaligned)

DO $$
DECLARE
    n integer := (SELECT count(*) FROM lint_report WHERE allowed_line IS NULL);
BEGIN
    IF n > 0 THEN
        RAISE EXCEPTION 'plpgsql_check: % finding(s) not accepted by tests/sql/lint_allowed.txt', n;
    END IF;
END
$$;
