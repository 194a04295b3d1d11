/*
 * Rows written out as a file: the objects a screen holds (signup attempts,
 * users) or the lines of `padline watch`, as CSV (RFC 4180) or JSON lines.
 * No curses and no network, so the TUI's export key and watch share it.
 */
#ifndef PL_TUI_EXPORT_H
#define PL_TUI_EXPORT_H

#include <jansson.h>
#include <stdio.h>

#include "pl_error.h"

enum export_format {
	EXPORT_CSV,   /* a header line, then one record per row, CRLF */
	EXPORT_JSONL, /* one compact JSON object per row, LF */
};

/*
 * One cell of a CSV record: a string as it is, a number or true/false as
 * JSON writes it, null or a missing member empty, an array of strings
 * joined by spaces, anything else as compact JSON. Text that a spreadsheet
 * would run as a formula (starting with =, +, -, @, a tab or a CR) gets a
 * leading ' (numbers are left alone, so -3 stays -3); a cell with a comma,
 * a quote, a CR or a LF is quoted, its quotes doubled. xalloc'd.
 */
char *export_csv_cell(json_t *value);
/* The CSV header: the column names, as cells (xalloc'd, no line end). */
char *export_csv_header(const char *const *columns);
/*
 * One row without its line end (xalloc'd): CSV cells of the members named
 * by columns (NULL-terminated), in that order; or one JSON object of those
 * members (null when missing), or of the whole row when columns is NULL.
 */
char *export_line(enum export_format, const char *const *columns, json_t *row);
/*
 * Writes every object of the array rows to out (the CSV header first) and
 * flushes it; *written is the number of rows. Returns 0, or PL_ERR_INTERNAL
 * with the reason in err when the file could not be written.
 */
int export_write(FILE *out, enum export_format, const char *const *columns,
                 json_t *rows, size_t *written, struct pl_error *err);
/* export_write to a new file at path (mode 0600, replaced if it exists and
 * is not a symbolic link). */
int export_to_path(const char *path, enum export_format,
                   const char *const *columns, json_t *rows, size_t *written,
                   struct pl_error *err);
/* "csv" or "jsonl" (any case) -> 0 and *out; -1 for anything else. */
int export_format_parse(const char *name, enum export_format *out);

#endif
