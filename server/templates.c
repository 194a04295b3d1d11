/*
 * Loading every templates/ .json file at startup. Each file is checked on its
 * own (valid JSON, display_name, data an object, a usable name) so one broken
 * file costs only itself; the upsert is repo_template_upsert.
 */
#include "templates.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "repo_template.h"
#include "xalloc.h"

static int
name_valid(const char *name, size_t len)
{
	if (len == 0 || len > 64 || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Loads one file; returns 0, or -1 after logging why it was skipped, or a
 * pl_error code when the database failed (which stops the whole load). */
static int
load_one(struct db_conn *db, const char *dir, const char *file,
         struct pl_error *err)
{
	size_t len = strlen(file) - 5;
	char *path = NULL, name[65], q[256];
	json_error_t jerr;
	json_t *doc, *dn, *data;
	int rc = -1;

	if (!name_valid(file, len)) {
		log_warn("template skipped",
		         "file=%s reason=\"name must be "
		         "[a-z0-9_-], at most 64\"",
		         file);
		return -1;
	}
	snprintf(name, sizeof name, "%.*s", (int)len, file);
	path = xasprintf("%s/%s", dir, file);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	free(path);
	dn = json_object_get(doc, "display_name");
	data = json_object_get(doc, "data");
	if (doc == NULL)
		log_warn("template skipped", "file=%s line=%d reason=%s", file,
		         jerr.line, log_quote(q, sizeof q, jerr.text));
	else if (!json_is_string(dn) || json_string_length(dn) == 0 ||
	         json_string_length(dn) > 100)
		log_warn("template skipped",
		         "file=%s reason=\"display_name "
		         "must be a string of 1 to 100\"",
		         file);
	else if (!json_is_object(data))
		log_warn("template skipped",
		         "file=%s reason=\"data must be an object\"", file);
	else {
		rc = repo_template_upsert(db, name, json_string_value(dn), data,
		                          err);
		if (rc != 0 && err->code != PL_ERR_UNAVAILABLE) {
			/* A row the table's checks refuse is the file's
			 * fault, not the database's. */
			log_warn("template skipped",
			         "file=%s reason=\"rejected by the database\"",
			         file);
			pl_error_clear(err);
			rc = -1;
		}
	}
	json_decref(doc);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
templates_load(struct db_conn *db, const char *dir, int *loaded, int *skipped,
               struct pl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **files = NULL;
	size_t n = 0;
	int rc = PL_OK;

	*loaded = *skipped = 0;
	if (d == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot open templates directory %s: %s",
		                    dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			files = xreallocarray(files, n + 1, sizeof *files);
			files[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(files, n, sizeof *files, by_name);
	for (size_t i = 0; i < n; i++) {
		int r = rc == PL_OK ? load_one(db, dir, files[i], err) : -1;

		if (r == 0)
			(*loaded)++;
		else if (r == -1)
			(*skipped)++;
		else
			rc = r;
		free(files[i]);
	}
	free(files);
	return rc;
}
