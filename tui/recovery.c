/*
 * Kept edits on disk: one JSON file per server, user and pad under
 * $XDG_STATE_HOME/padline/recovery/, written atomically before a save is
 * sent and removed only after the save succeeded or the user discarded it.
 * Also the conflict-marker text of "edit again on top of theirs".
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "models.h"
#include "recovery.h"
#include "state_dir.h"
#include "xalloc.h"

/* A kept edit is a pad's text as JSON: escaping may grow the largest pad
 * several times. */
#define RECOVERY_FILE_MAX (64 * 1024 * 1024)
#define MARK_THEIRS "<<<<<<< theirs"
#define MARK_MID "======="
#define MARK_YOURS ">>>>>>> yours"

int
recovery_dir(char *buf, size_t size)
{
	return state_path("recovery", buf, size);
}

/* s with everything but [A-Za-z0-9.-] as '-', so it is one file name part. */
static void
name_part(const char *s, char *out, size_t size)
{
	size_t i = 0;

	for (; *s && i + 1 < size; s++, i++) {
		int c = (unsigned char)*s;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '.' || c == '-';

		out[i] = keep ? (char)c : '-';
	}
	out[i] = '\0';
}

/* FNV-1a of server and user: a short stable file name part (the file
 * itself names both; this only keeps users and servers apart). */
static unsigned long
owner_hash(const struct recovery *r)
{
	uint32_t h = 2166136261u;

	for (const char *p = r->server; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (const char *p = r->user_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (unsigned long)h;
}

int
recovery_path(const struct recovery *r, char *buf, size_t size)
{
	char dir[900], pad[64];
	int n;

	if (recovery_dir(dir, sizeof dir))
		return -1;
	name_part(r->pad_id, pad, sizeof pad);
	n = snprintf(buf, size, "%s/%s-%08lx.json", dir, pad, owner_hash(r));
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int
recovery_write(struct recovery *r, struct pl_error *err)
{
	char path[1200];
	time_t now = time(NULL);
	struct tm tm;
	json_t *o;
	char *text;
	int rc;

	if (recovery_path(r, path, sizeof path))
		return pl_error_set(err, PL_ERR_INTERNAL, "no_state_dir",
		                    "neither XDG_STATE_HOME nor HOME is set");
	gmtime_r(&now, &tm);
	strftime(r->saved_at, sizeof r->saved_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "server",
	              r->server, "user_id", r->user_id, "pad_id", r->pad_id,
	              "name", r->name, "base_version",
	              (json_int_t)r->base_version, "saved_at", r->saved_at,
	              "text", r->text ? r->text : "");
	text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return pl_error_set(err, PL_ERR_INTERNAL, "encode",
		                    "the text cannot be stored (not UTF-8?)");
	/* Atomic, 0600 in a 0700 directory: the edits are the user's data. */
	rc = state_file_write(path, text, strlen(text), err);
	free(text);
	return rc;
}

static void
copy_field(json_t *o, const char *key, char *dst, size_t size)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", s ? s : "");
}

int
recovery_read(const char *path, struct recovery *r, struct pl_error *err)
{
	json_error_t je;
	json_t *o;
	const char *text;
	char *data;
	size_t len;
	int rc;

	recovery_clear(r);
	if ((rc = state_file_read(path, RECOVERY_FILE_MAX, &data, &len, err)))
		return rc;
	o = json_loadb(data, len, 0, &je);
	free(data);
	text = json_string_value(json_object_get(o, "text"));
	if (!json_is_object(o) || !text) {
		json_decref(o);
		return pl_error_set(err, PL_ERR_VALIDATION, "bad_file",
		                    "%s is not a kept edit", path);
	}
	copy_field(o, "server", r->server, sizeof r->server);
	copy_field(o, "user_id", r->user_id, sizeof r->user_id);
	copy_field(o, "pad_id", r->pad_id, sizeof r->pad_id);
	copy_field(o, "name", r->name, sizeof r->name);
	copy_field(o, "saved_at", r->saved_at, sizeof r->saved_at);
	r->base_version =
	    (long long)json_integer_value(json_object_get(o, "base_version"));
	r->text = xstrdup(text);
	json_decref(o);
	return PL_OK;
}

static int
by_pad_id(const void *a, const void *b)
{
	return strcmp(((const struct recovery *)a)->pad_id,
	              ((const struct recovery *)b)->pad_id);
}

size_t
recovery_list(const char *server, const char *user_id, struct recovery **out)
{
	char dir[900], path[1200];
	struct recovery *v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	if (recovery_dir(dir, sizeof dir) || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct pl_error err;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue; /* temp files end in .tmpPID */
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		v = xreallocarray(v, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		pl_error_init(&err);
		if (recovery_read(path, &v[n], &err) == 0 &&
		    strcmp(v[n].server, server) == 0 &&
		    strcmp(v[n].user_id, user_id) == 0)
			n++;
		else
			recovery_clear(&v[n]);
		pl_error_clear(&err);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof *v, by_pad_id);
	else {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

void
recovery_list_free(struct recovery *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		recovery_clear(&v[i]);
	free(v);
}

int
recovery_remove(const struct recovery *r)
{
	char path[1200];

	if (recovery_path(r, path, sizeof path))
		return -1;
	return state_file_remove(path);
}

void
recovery_clear(struct recovery *r)
{
	free(r->text);
	memset(r, 0, sizeof *r);
}

void
recovery_copy(struct recovery *dst, const struct recovery *src)
{
	char *text = src->text ? xstrdup(src->text) : NULL;

	recovery_clear(dst);
	*dst = *src;
	dst->text = text;
}

/* Appends lines[from, to) to buf, one '\n' after each. */
static void
add_lines(char **buf, size_t *len, char **lines, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		size_t l = strlen(lines[i]);

		*buf = xrealloc(*buf, *len + l + 2);
		memcpy(*buf + *len, lines[i], l);
		(*buf)[*len + l] = '\n';
		*len += l + 1;
		(*buf)[*len] = '\0';
	}
}

static void
add_line(char **buf, size_t *len, const char *line)
{
	char *one = (char *)line;

	add_lines(buf, len, &one, 0, 1);
}

char *
recovery_merge(const char *theirs, const char *yours, long long their_version)
{
	char **t, **y, mark[64];
	size_t nt = text_split_lines(theirs, &t);
	size_t ny = text_split_lines(yours, &y);
	size_t pre = 0, suf = 0, len = 0;
	char *out = xstrdup("");

	while (pre < nt && pre < ny && strcmp(t[pre], y[pre]) == 0)
		pre++;
	while (suf < nt - pre && suf < ny - pre &&
	       strcmp(t[nt - 1 - suf], y[ny - 1 - suf]) == 0)
		suf++;
	add_lines(&out, &len, t, 0, pre);
	if (pre < nt || pre < ny) {
		snprintf(mark, sizeof mark, "%s (version %lld)", MARK_THEIRS,
		         their_version);
		add_line(&out, &len, mark);
		add_lines(&out, &len, t, pre, nt - suf);
		add_line(&out, &len, MARK_MID);
		add_lines(&out, &len, y, pre, ny - suf);
		add_line(&out, &len, MARK_YOURS);
	}
	add_lines(&out, &len, t, nt - suf, nt);
	text_lines_free(t, nt);
	text_lines_free(y, ny);
	return out;
}

int
recovery_has_markers(const char *text, int *line)
{
	int n = 1;

	for (const char *p = text; p && *p; n++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if ((len >= 7 && (strncmp(p, "<<<<<<<", 7) == 0 ||
		                  strncmp(p, ">>>>>>>", 7) == 0)) ||
		    (len == 7 && strncmp(p, MARK_MID, 7) == 0)) {
			*line = n;
			return 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}
