/* migrate: numbered migrations and repeatable function files, applied in one transaction
 * (see migrate.h for the layout and the rules). */
#include "migrate.h"

#include "gc_log.h"
#include "gc_pg.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOCK_KEY "7314011" /* advisory lock id shared by every migrating process */
#define MAX_UNITS 1000
#define MAX_FILES 64

/* One migration (a file, or a directory of files) or one repeatable file. */
typedef struct {
    char name[256];   /* file or directory name, e.g. 0001_baseline or events.sql */
    long version;     /* numbered migrations: NNNN; repeatables: 0 */
    int nfiles;
    char *paths[MAX_FILES];
    char *texts[MAX_FILES];
    char checksum[65]; /* sha256 (hex) of every file's name and text, in order */
} unit_t;

typedef struct {
    unit_t *units[MAX_UNITS];
    int count;
} units_t;

static void units_free(units_t *u)
{
    for (int i = 0; i < u->count; i++) {
        for (int f = 0; f < u->units[i]->nfiles; f++) {
            free(u->units[i]->paths[f]);
            free(u->units[i]->texts[f]);
        }
        free(u->units[i]);
    }
    u->count = 0;
}

static bool fail(char *err, int errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, int errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, (size_t)errlen, fmt, ap);
    va_end(ap);
    return false;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
            if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
                buf[n] = '\0';
            } else {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that end in .sql (files) or, when dirs, directories starting with a
 * digit. Returns the count, or -1 when dir cannot be read. */
static int list_dir(const char *dir, bool numbered, char **names, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < max) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (n[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        bool sql_file = S_ISREG(st.st_mode) && len > 4 && strcmp(n + len - 4, ".sql") == 0;
        bool numbered_ok = !numbered || (n[0] >= '0' && n[0] <= '9');
        if (numbered_ok && (sql_file || (numbered && S_ISDIR(st.st_mode))))
            names[count++] = strdup(n);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], by_name);
    return count;
}

static bool add_file(unit_t *u, const char *path, const char *shown, char *err, int errlen)
{
    if (u->nfiles == MAX_FILES)
        return fail(err, errlen, "%s: more than %d files", u->name, MAX_FILES);
    char *text = read_file(path);
    if (!text)
        return fail(err, errlen, "cannot read %s", path);
    u->paths[u->nfiles] = strdup(shown);
    u->texts[u->nfiles++] = text;
    return true;
}

/* Reads dir/sub: the numbered migrations (numbered) or the repeatable files. */
static bool load_units(const char *dir, const char *sub, bool numbered, units_t *out, char *err,
                       int errlen)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/%s", dir, sub);
    char *names[MAX_UNITS];
    int n = list_dir(base, numbered, names, MAX_UNITS);
    if (n < 0)
        return fail(err, errlen, "cannot read the schema directory %s", base);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        unit_t *u = ok ? calloc(1, sizeof *u) : NULL;
        if (ok && !u)
            ok = fail(err, errlen, "out of memory");
        if (u) {
            out->units[out->count++] = u;
            snprintf(u->name, sizeof u->name, "%s", names[i]);
            u->version = numbered ? atol(names[i]) : 0;
            char path[4096 + 256];
            snprintf(path, sizeof path, "%s/%s", base, names[i]);
            char *files[MAX_FILES];
            int nf = numbered ? list_dir(path, false, files, MAX_FILES) : -1;
            if (nf < 0) {
                ok = add_file(u, path, names[i], err, errlen);
            } else {
                for (int f = 0; f < nf; f++) {
                    char fpath[4096 + 512], shown[600];
                    snprintf(fpath, sizeof fpath, "%s/%s", path, files[f]);
                    snprintf(shown, sizeof shown, "%s/%s", names[i], files[f]);
                    ok = ok && add_file(u, fpath, shown, err, errlen);
                    free(files[f]);
                }
                if (ok && nf == 0)
                    ok = fail(err, errlen, "migration %s is an empty directory", names[i]);
            }
        }
        free(names[i]);
    }
    for (int i = 1; ok && numbered && i < out->count; i++)
        if (out->units[i]->version == out->units[i - 1]->version)
            ok = fail(err, errlen, "migrations %s and %s have the same number",
                      out->units[i - 1]->name, out->units[i]->name);
    return ok;
}

/* The checksum of a unit, computed by the server (sha256 needs no library of our own). */
static bool checksum(PGconn *db, unit_t *u)
{
    size_t total = 1;
    for (int f = 0; f < u->nfiles; f++)
        total += strlen(u->paths[f]) + strlen(u->texts[f]) + 2;
    char *all = malloc(total);
    if (!all)
        return false;
    size_t at = 0;
    for (int f = 0; f < u->nfiles; f++)
        at += (size_t)sprintf(all + at, "%s\n%s\n", u->paths[f], u->texts[f]);
    const char *params[] = {all};
    PGresult *res = gc_pg_query(db, "checksum",
                                "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1,
                                params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (ok)
        snprintf(u->checksum, sizeof u->checksum, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    free(all);
    return ok;
}

/* Runs one file's statements (the simple protocol: a file holds many). */
static bool exec_file(PGconn *db, const char *shown, const char *text, char *err, int errlen)
{
    PGresult *res = PQexec(db, text);
    bool ok = gc_pg_ok(res);
    if (!ok) {
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
        const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
        const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        fail(err, errlen, "%s: %s [%s]%s%s%s%s%s%s", shown,
             primary ? primary : PQerrorMessage(db),
             gc_pg_sqlstate(res), detail ? "\nDETAIL: " : "", detail ? detail : "",
             hint ? "\nHINT: " : "", hint ? hint : "", context ? "\nCONTEXT: " : "",
             context ? context : "");
    }
    PQclear(res);
    return ok;
}

/* What the repeatable files made, dropped before they are applied again: the views, the
 * triggers that run gc_ functions, the gc_ functions nothing else depends on (a function an
 * index or a table uses is part of the numbered migrations: cases_due's gc_awaits_deadline)
 * and the gc_ composite types. Objects of extensions are left alone. */
static const char DROP_REPEATABLES[] =
    "DO $drop$ DECLARE o text; BEGIN\n"
    /* names taken first, as text: a view dropped with CASCADE leaves an OID that no longer
     * names anything */
    "  FOREACH o IN ARRAY coalesce((SELECT array_agg(c.oid::regclass::text) FROM pg_class c\n"
    "      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')\n"
    "        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass\n"
    "                        AND d.objid = c.oid AND d.deptype = 'e')), '{}') LOOP\n"
    "    EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', o);\n"
    "  END LOOP;\n"
    "  FOREACH o IN ARRAY coalesce((SELECT array_agg(format('%I ON %s', t.tgname,\n"
    "                                                       t.tgrelid::regclass))\n"
    "      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid\n"
    "      WHERE NOT t.tgisinternal AND p.pronamespace = 'public'::regnamespace\n"
    "        AND p.proname LIKE 'gc\\_%'), '{}') LOOP\n"
    "    EXECUTE 'DROP TRIGGER ' || o;\n"
    "  END LOOP;\n"
    "  FOREACH o IN ARRAY coalesce((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p\n"
    "      WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'gc\\_%'\n"
    "        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass\n"
    "                        AND d.refobjid = p.oid)), '{}') LOOP\n"
    "    EXECUTE 'DROP FUNCTION ' || o;\n"
    "  END LOOP;\n"
    "  FOREACH o IN ARRAY coalesce((SELECT array_agg(t.oid::regtype::text) FROM pg_type t\n"
    "      JOIN pg_class c ON c.oid = t.typrelid\n"
    "      WHERE t.typnamespace = 'public'::regnamespace AND t.typname LIKE 'gc\\_%'\n"
    "        AND c.relkind = 'c'), '{}') LOOP\n"
    "    EXECUTE 'DROP TYPE ' || o;\n"
    "  END LOOP;\n"
    "END $drop$";

static bool setup_tables(PGconn *db, char *err, int errlen)
{
    /* a database made by the layout before numbered directories and checksums */
    PGresult *old = gc_pg_query(db, "schema layout",
                                "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                                "'public' AND table_name = 'schema_migrations' AND column_name "
                                "= 'dirty'",
                                0, NULL);
    bool ok = gc_pg_ok(old);
    bool is_old = ok && PQntuples(old) > 0;
    PQclear(old);
    if (is_old)
        return fail(err, errlen,
                    "this database was made by an earlier gridcase (its schema_migrations has "
                    "version and dirty columns), which this one does not upgrade\nHINT: create "
                    "the database afresh and run gridctl migrate");
    return ok
           && gc_pg_run(db, "schema tables",
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
                        "applied_at timestamptz NOT NULL DEFAULT now())",
                        0, NULL)
           && gc_pg_run(db, "schema tables",
                        "CREATE TABLE IF NOT EXISTS schema_repeatables ("
                        "name text PRIMARY KEY, checksum text NOT NULL, "
                        "applied_at timestamptz NOT NULL DEFAULT now())",
                        0, NULL);
}

/* Checks the recorded migrations against the files; sets pending[i] for each file to apply. */
static bool plan_migrations(PGconn *db, const units_t *m, bool *pending, int *npending, char *err,
                            int errlen)
{
    PGresult *res = gc_pg_query(db, "applied migrations",
                                "SELECT version, name, checksum FROM schema_migrations "
                                "ORDER BY version",
                                0, NULL);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return fail(err, errlen, "cannot read schema_migrations");
    }
    bool ok = true;
    long newest = 0;
    for (int i = 0; i < m->count; i++)
        pending[i] = true;
    for (int r = 0; ok && r < PQntuples(res); r++) {
        long version = atol(PQgetvalue(res, r, 0));
        const char *name = PQgetvalue(res, r, 1), *sum = PQgetvalue(res, r, 2);
        int i = 0;
        while (i < m->count && m->units[i]->version != version)
            i++;
        if (i == m->count)
            ok = fail(err, errlen,
                      "the database has migration %s, which this gridcase does not have\n"
                      "HINT: the database was migrated by a newer gridcase; run that one",
                      name);
        else if (strcmp(m->units[i]->checksum, sum) != 0)
            ok = fail(err, errlen,
                      "migration %s was changed after it was applied (checksum %.12s, file "
                      "now %.12s)\nHINT: a migration once applied stays as it is: undo the "
                      "change and put it in a new numbered migration",
                      m->units[i]->name, sum, m->units[i]->checksum);
        else
            pending[i] = false;
        if (version > newest)
            newest = version;
    }
    PQclear(res);
    *npending = 0;
    for (int i = 0; ok && i < m->count; i++) {
        if (pending[i] && m->units[i]->version < newest)
            ok = fail(err, errlen,
                      "migration %s is older than the newest applied one and was never "
                      "applied\nHINT: give it a number above %ld",
                      m->units[i]->name, newest);
        *npending += pending[i];
    }
    return ok;
}

/* True when the repeatable files differ from those recorded (one changed, added or gone). */
static int repeatables_changed(PGconn *db, const units_t *r)
{
    PGresult *res = gc_pg_query(db, "applied repeatables",
                                "SELECT name, checksum FROM schema_repeatables ORDER BY name", 0,
                                NULL);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return -1;
    }
    int changed = PQntuples(res) != r->count;
    for (int i = 0; !changed && i < r->count; i++)
        changed = strcmp(PQgetvalue(res, i, 0), r->units[i]->name) != 0
                  || strcmp(PQgetvalue(res, i, 1), r->units[i]->checksum) != 0;
    PQclear(res);
    return changed;
}

static bool record(PGconn *db, const unit_t *u, bool numbered)
{
    char version[24];
    snprintf(version, sizeof version, "%ld", u->version);
    const char *mig[] = {version, u->name, u->checksum};
    const char *rep[] = {u->name, u->checksum};
    return numbered ? gc_pg_run(db, "record migration",
                                "INSERT INTO schema_migrations (version, name, checksum) "
                                "VALUES ($1, $2, $3)",
                                3, mig)
                    : gc_pg_run(db, "record repeatable",
                                "INSERT INTO schema_repeatables (name, checksum) VALUES ($1, $2)",
                                2, rep);
}

static bool apply_all(PGconn *db, const units_t *m, const bool *pending, const units_t *r,
                      char *err, int errlen)
{
    bool ok = exec_file(db, "dropping the repeatable objects", DROP_REPEATABLES, err, errlen);
    for (int i = 0; ok && i < m->count; i++) {
        if (!pending[i])
            continue;
        for (int f = 0; ok && f < m->units[i]->nfiles; f++)
            ok = exec_file(db, m->units[i]->paths[f], m->units[i]->texts[f], err, errlen);
        ok = ok && record(db, m->units[i], true);
    }
    ok = ok && gc_pg_run(db, "record repeatables", "DELETE FROM schema_repeatables", 0, NULL);
    for (int i = 0; ok && i < r->count; i++)
        ok = exec_file(db, r->units[i]->paths[0], r->units[i]->texts[0], err, errlen)
             && record(db, r->units[i], false);
    return ok;
}

bool migrate_run(PGconn *db, const char *schema_dir, char *err, int errlen)
{
    err[0] = '\0';
    units_t m = {0}, r = {0};
    bool ok = load_units(schema_dir, "migrations", true, &m, err, errlen)
              && load_units(schema_dir, "functions", false, &r, err, errlen);
    for (int i = 0; ok && i < m.count; i++)
        ok = checksum(db, m.units[i]);
    for (int i = 0; ok && i < r.count; i++)
        ok = checksum(db, r.units[i]);

    const char *lock[] = {LOCK_KEY};
    bool locked = ok && gc_pg_run(db, "migration lock", "SELECT pg_advisory_lock($1::bigint)", 1,
                                  lock);
    ok = locked && setup_tables(db, err, errlen);
    bool pending[MAX_UNITS];
    int npending = 0, changed = 0;
    ok = ok && plan_migrations(db, &m, pending, &npending, err, errlen);
    if (ok)
        ok = (changed = repeatables_changed(db, &r)) >= 0;
    if (ok && (npending || changed)) {
        ok = gc_pg_begin(db);
        ok = ok && apply_all(db, &m, pending, &r, err, errlen) && gc_pg_commit(db);
        if (!ok)
            gc_pg_rollback(db);
        for (int i = 0; ok && i < m.count; i++) /* logged once committed, not before */
            if (pending[i])
                gc_log_info("migration %s applied", m.units[i]->name);
        if (ok)
            gc_log_info("%d function file(s) applied", r.count);
    } else if (ok) {
        gc_log_info("schema up to date: %d migration(s), %d function file(s)", m.count, r.count);
    }
    if (locked)
        gc_pg_run(db, "migration unlock", "SELECT pg_advisory_unlock($1::bigint)", 1, lock);
    units_free(&m);
    units_free(&r);
    if (!ok && !*err)
        snprintf(err, errlen, "migration failed (see the log above)");
    return ok;
}
