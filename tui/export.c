/*
 * Export: JSON rows to CSV (RFC 4180, guarded against spreadsheet formulas)
 * or JSON lines, into a string, a stream or a new private file. The rows
 * came from a server, so a cell is never trusted to be harmless text.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

/* A growing NUL-terminated string. */
struct text {
	char *s;
	size_t len, cap;
};

static void
text_put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* What a cell says before quoting; *guard: it came from text (a number's
 * sign is not a formula). */
static char *
cell_text(json_t *v, int *guard)
{
	*guard = 1;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_array(v)) {
		struct text t = {xstrdup(""), 0, 1};
		size_t i;
		json_t *e;
		int all_strings = 1;

		json_array_foreach (v, i, e)
			all_strings &= json_is_string(e);
		if (all_strings) {
			json_array_foreach (v, i, e) {
				if (i)
					text_str(&t, " ");
				text_str(&t, json_string_value(e));
			}
			return t.s;
		}
		free(t.s);
	}
	if (!v || json_is_null(v))
		return xstrdup("");
	*guard = !json_is_number(v) && !json_is_boolean(v);
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *
export_csv_cell(json_t *value)
{
	int guard;
	char *raw = cell_text(value, &guard);
	struct text t = {xstrdup(""), 0, 1};
	int quote = strpbrk(raw, ",\"\r\n") != NULL;

	if (quote)
		text_str(&t, "\"");
	/* A spreadsheet runs =, +, - and @ as a formula (and strips a
	 * leading tab or CR first): a quote mark makes the cell text. */
	if (guard && raw[0] && strchr("=+-@\t\r", raw[0]))
		text_str(&t, "'");
	for (const char *p = raw; *p; p++) {
		text_put(&t, p, 1);
		if (*p == '"') /* doubled inside the quotes */
			text_put(&t, p, 1);
	}
	if (quote)
		text_str(&t, "\"");
	free(raw);
	return t.s;
}

char *
export_csv_header(const char *const *columns)
{
	struct text t = {xstrdup(""), 0, 1};

	for (size_t i = 0; columns[i]; i++) {
		json_t *name = json_string(columns[i]);
		char *cell = export_csv_cell(name);

		if (i)
			text_str(&t, ",");
		text_str(&t, cell);
		free(cell);
		json_decref(name);
	}
	return t.s;
}

char *
export_line(enum export_format fmt, const char *const *columns, json_t *row)
{
	struct text t = {xstrdup(""), 0, 1};
	json_t *o;
	char *line;

	if (fmt == EXPORT_CSV) {
		for (size_t i = 0; columns && columns[i]; i++) {
			char *cell =
			    export_csv_cell(json_object_get(row, columns[i]));

			if (i)
				text_str(&t, ",");
			text_str(&t, cell);
			free(cell);
		}
		return t.s;
	}
	free(t.s);
	if (!columns)
		return json_dumps(row, JSON_COMPACT | JSON_ENCODE_ANY);
	o = json_object();
	for (size_t i = 0; columns[i]; i++) {
		json_t *v = json_object_get(row, columns[i]);

		json_object_set(o, columns[i], v ? v : json_null());
	}
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return line;
}

static int
write_failed(struct pl_error *err, const char *what)
{
	return pl_error_set(err, PL_ERR_INTERNAL, "export_failed", "%s: %s",
	                    what, strerror(errno ? errno : EIO));
}

int
export_write(FILE *out, enum export_format fmt, const char *const *columns,
             json_t *rows, size_t *written, struct pl_error *err)
{
	const char *end = fmt == EXPORT_CSV ? "\r\n" : "\n";
	size_t i;
	json_t *row;

	*written = 0;
	errno = 0;
	if (fmt == EXPORT_CSV) {
		char *head = export_csv_header(columns);

		fprintf(out, "%s%s", head, end);
		free(head);
	}
	json_array_foreach (rows, i, row) {
		char *line = export_line(fmt, columns, row);

		fprintf(out, "%s%s", line, end);
		free(line);
		if (ferror(out))
			break;
		(*written)++;
	}
	if (fflush(out) != 0 || ferror(out))
		return write_failed(err, "cannot write the export");
	return PL_OK;
}

int
export_to_path(const char *path, enum export_format fmt,
               const char *const *columns, json_t *rows, size_t *written,
               struct pl_error *err)
{
	/* O_NOFOLLOW: a link planted at the path is not written through. */
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;
	int rc;

	*written = 0;
	if (fd < 0)
		return write_failed(err, path);
	/* An existing file keeps its mode through O_TRUNC: make it ours. */
	if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
		rc = write_failed(err, path);
		close(fd);
		return rc;
	}
	rc = export_write(f, fmt, columns, rows, written, err);
	if (fclose(f) != 0 && rc == PL_OK)
		rc = write_failed(err, path);
	return rc;
}

int
export_format_parse(const char *name, enum export_format *out)
{
	if (strcasecmp(name, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcasecmp(name, "jsonl") == 0)
		*out = EXPORT_JSONL;
	else
		return -1;
	return 0;
}
