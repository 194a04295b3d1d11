/* What the e2e_migrate_down_* suites share: the shipped versions they move
 * between, a later migration of their own whose down part drops a column,
 * and reading what a migrate run did. */
#ifndef MIGRATE_DOWN_SUITE_H
#define MIGRATE_DOWN_SUITE_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tsupport.h"

/* A later migration with a down part that drops a column: harmless while
 * the column is empty, destructive once it holds values. */
#define NOTE_FILE "2099_01_01_0000-add-pad-note.sql"
#define NOTE_VERSION "2099_01_01_0000-add-pad-note"
#define NOTE_SQL                                                               \
	"ALTER TABLE pads ADD COLUMN note text;\n"                             \
	"CREATE INDEX pads_note_idx ON pads (note);\n"                         \
	"-- migrate:down\n"                                                    \
	"DROP INDEX pads_note_idx;\n"                                          \
	"ALTER TABLE pads DROP COLUMN note;\n"
#define NOTE_COLUMNS                                                            \
	"SELECT count(*) FROM information_schema.columns WHERE table_schema = " \
	"current_schema() AND table_name = 'pads' AND column_name = 'note'"
#define V0010 "2026_11_01_0010-create-pads"
#define V0020 "2026_11_01_0020-create-audit-log"
#define V0030 "2026_11_01_0030-migrate-legacy-canvas"

/* "migrations: A applied, R reverted; ..." of a migrate run's stdout. */
static void
steps(const char *out, int *applied, int *reverted)
{
	const char *p = strstr(out, "migrations: ");

	ck_assert_msg(p != NULL, "no summary in: %s", out);
	ck_assert_int_eq(
	    sscanf(p, "migrations: %d applied, %d reverted", applied, reverted),
	    2);
}

static long long
count(PGconn *db, const char *sql)
{
	return ts_db_count(db, sql, 0, NULL);
}

#endif
