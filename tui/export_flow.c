/*
 * e (act.h): the rows a screen shows written to a file, as CSV or JSON
 * lines (export.c does the writing and the spreadsheet-formula guard). The
 * format is asked first so the suggested path has the right extension.
 * A read-only console writes no files: it only watches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "export.h"
#include "readonly.h"
#include "xalloc.h"

struct export_flow {
	struct app *app;
	json_t *rows;
	const char *const *columns;
	char what[32];
	enum export_format format;
};

static void
flow_free(struct export_flow *f)
{
	json_decref(f->rows);
	free(f);
}

static void
on_path(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct export_flow *f = ud;
	struct pl_error err;
	size_t written = 0;

	(void)choice;
	if (!ok || !input[0]) {
		flow_free(f);
		return;
	}
	pl_error_init(&err);
	if (export_to_path(input, f->format,
	                   f->format == EXPORT_CSV ? f->columns : NULL, f->rows,
	                   &written, &err) != 0)
		app_flash(a, 1, "Could not export: %s", err.message);
	else
		app_flash(a, 0, "Exported %zu %s to %s.", written, f->what,
		          input);
	pl_error_clear(&err);
	flow_free(f);
}

static void
on_format(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct export_flow *f = ud;
	char path[96], text[160];

	(void)input;
	if (!ok) {
		flow_free(f);
		return;
	}
	f->format = choice == 0 ? EXPORT_CSV : EXPORT_JSONL;
	snprintf(path, sizeof path, "padline-%s.%s", f->what,
	         f->format == EXPORT_CSV ? "csv" : "jsonl");
	snprintf(text, sizeof text,
	         "%zu %s; write them to (relative to the "
	         "directory padline runs in):",
	         json_array_size(f->rows), f->what);
	app_prompt_text(a, "Export to", text, path, on_path, f);
}

void
export_flow_start(struct app *a, json_t *rows, const char *const *columns,
                  const char *what)
{
	struct export_flow *f;

	if (readonly_refuse(a, "writing a file")) {
		json_decref(rows);
		return;
	}
	if (!json_array_size(rows)) {
		app_flash(a, 1, "No %s to export.", what);
		json_decref(rows);
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->app = a;
	f->rows = rows;
	f->columns = columns;
	snprintf(f->what, sizeof f->what, "%s", what);
	app_choose(a, "Export", "The rows shown, as:",
	           json_pack("[s, s]",
	                     "c  CSV (a header line, then a row each)",
	                     "l  JSON lines (one object a line)"),
	           on_format, f);
}
