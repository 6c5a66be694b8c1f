/* migrate: brings a database's schema to the one in a schema directory (gridctl migrate).
 *
 * The directory (GC_SCHEMA_DIR, deploy/schema in a checkout) holds two kinds of SQL:
 *   migrations/NNNN_name.sql or migrations/NNNN_name/  numbered, applied once each, in number
 *       order, for tables and data; a directory is one migration whose *.sql files are applied
 *       in name order. Recorded in schema_migrations with a checksum: a migration changed after
 *       it was applied is refused.
 *   functions/NAME.sql  repeatable: every function, view, trigger and composite type, each with
 *       its one current definition. Recorded in schema_repeatables with their checksums; when
 *       any file differs from what was applied (or a migration is pending), all of them are
 *       applied again, in name order, after the ones applied before have been dropped, so a
 *       function renamed or removed from the source leaves nothing behind.
 * Everything pending is applied in one transaction under an advisory lock: an upgrade either
 * happens whole or not at all, and a migration may change a table a view reads (the views are
 * gone while it runs). Files must not hold transaction control. */
#ifndef GRIDCTL_MIGRATE_H
#define GRIDCTL_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Applies what is pending; a no-op when up to date. On failure writes a message (with the
 * file, PostgreSQL's message, detail and hint) into err and changes nothing. */
bool migrate_run(PGconn *db, const char *schema_dir, char *err, int errlen);

#endif
