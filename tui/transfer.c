/*
 * padline export / import. Export pages pad.list and reads each pad
 * (pad.get) and, for its own pads, the backups with their data. Import
 * reads and checks every line before it sends anything, then sends the
 * pads in pad.import requests of at most the server's line limit: each
 * request is one server transaction, and when one fails the pads of the
 * requests before are deleted and purged, so a failed import leaves
 * nothing behind. A pad whose backups do not fit one request goes with its
 * oldest backups, and the newer ones follow as {id, backups} entries.
 */
#include "transfer.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "json_num.h"
#include "protocol.h"
#include "rpc_client.h"
#include "session_file.h"
#include "term_safe.h"
#include "xalloc.h"

/* Room a request needs beyond its entries (envelope, ids). */
#define REQUEST_SLACK 65536
#define IMPORT_BATCH 1000

struct xfer {
	uv_loop_t *loop;
	struct rpc_client *rpc;
	char token[256];
	long long max_line, max_pad_bytes;
	long long index;  /* the last error's data.index, or -1 */
	char detail[256]; /* its first violation's message, or "" */
};

struct reply {
	int done;
	json_t *result;
	struct pl_error err; /* code, reason and message only */
	long long index;     /* the error's data.index, or -1 */
	char detail[256];    /* its first violation's message, or "" */
};

static void
on_reply(void *ud, json_t *result, const struct pl_error *err)
{
	struct reply *r = ud;
	json_t *idx = err->data ? json_object_get(err->data, "index") : NULL;
	const char *v = json_string_value(
	    json_object_get(json_array_get(err->violations, 0), "message"));

	r->done = 1;
	/* The rest of err is the client's, freed after this returns. */
	r->err.code = err->code;
	memcpy(r->err.reason, err->reason, sizeof r->err.reason);
	memcpy(r->err.message, err->message, sizeof r->err.message);
	r->index = json_is_integer(idx) ? json_integer_value(idx) : -1;
	snprintf(r->detail, sizeof r->detail, "%s", v ? v : "");
	r->result = json_incref(result);
}

/* method(params) to its answer: the result (new reference) or NULL with
 * err's code and message (and x->index, x->detail of a refused entry). */
static json_t *
call(struct xfer *x, const char *method, json_t *params, struct pl_error *err)
{
	struct reply r = {0};

	rpc_send(x->rpc, method, params, on_reply, &r);
	while (!r.done)
		uv_run(x->loop, UV_RUN_ONCE);
	*err = r.err;
	x->index = r.index;
	snprintf(x->detail, sizeof x->detail, "%s", r.detail);
	return r.result;
}

static json_t *
resume_params(void *ud)
{
	struct xfer *x = ud;

	return json_pack("{s:s}", "token", x->token);
}

/* Connects and signs in; 0, or an exit status with the reason on stderr. */
static int
xfer_open(struct xfer *x, const char *server, const char *what)
{
	const char *env = getenv("PADLINE_TOKEN");
	char host[256];
	struct pl_error err;
	json_t *r;
	int port;

	memset(x, 0, sizeof *x);
	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT)) {
		fprintf(stderr, "padline: bad server address '%s'\n", server);
		return 2;
	}
	if (env && *env)
		snprintf(x->token, sizeof x->token, "%s", env);
	else if (session_load(server, x->token, sizeof x->token) != 0) {
		fprintf(stderr,
		        "padline %s: not signed in to %s: sign in with "
		        "padline first, or set PADLINE_TOKEN\n",
		        what, server);
		return 1;
	}
	x->loop = uv_default_loop();
	x->rpc = rpc_client_new(x->loop, host, port);
	if (rpc_client_tls_for(x->rpc, server) != 0)
		return 2;
	rpc_client_on_connect(x->rpc, resume_params, x);
	r = call(x, "server.hello", NULL, &err);
	if (r == NULL) {
		term_safe_println(stderr, "padline %s: %s", what, err.message);
		return 1;
	}
	x->max_line = json_integer_value(
	    json_object_get(json_object_get(r, "limits"), "max_line"));
	x->max_pad_bytes = json_integer_value(
	    json_object_get(json_object_get(r, "limits"), "max_pad_bytes"));
	json_decref(r);
	if (x->max_line <= REQUEST_SLACK)
		x->max_line = PL_MAX_LINE_DEFAULT;
	r = call(x, "user.me", NULL, &err);
	if (r == NULL) {
		term_safe_println(stderr, "padline %s: %s", what, err.message);
		return 1;
	}
	json_decref(r);
	return 0;
}

static void
xfer_close(struct xfer *x)
{
	if (x->rpc)
		rpc_client_free(x->rpc);
	if (x->loop)
		uv_run(x->loop, UV_RUN_NOWAIT);
}

/* ---- export ---------------------------------------------------------- */

/* The line of one pad: {display_name, data, created_at, updated_at,
 * backups: [{created_at, data}] newest first, owner?} (new reference). */
static json_t *
export_pad(struct xfer *x, json_t *summary, int *nbackups, struct pl_error *err)
{
	const char *id = json_string_value(json_object_get(summary, "id"));
	int own = strcmp(json_string_value(json_object_get(summary, "access")),
	                 "owner") == 0;
	json_t *r, *pad, *line, *backups = json_array(), *b;
	size_t i;

	r = call(x, "pad.get", json_pack("{s:s}", "id", id), err);
	if (r == NULL) {
		json_decref(backups);
		return NULL;
	}
	pad = json_object_get(r, "pad");
	line = json_pack("{s:O, s:O, s:O, s:O}", "display_name",
	                 json_object_get(pad, "display_name"), "data",
	                 json_object_get(pad, "data"), "created_at",
	                 json_object_get(pad, "created_at"), "updated_at",
	                 json_object_get(pad, "updated_at"));
	if (!own)
		json_object_set(
		    line, "owner",
		    json_object_get(json_object_get(pad, "owner"), "username"));
	json_decref(r);
	if (own) {
		r = call(x, "pad.backups",
		         json_pack("{s:s, s:b}", "id", id, "data", 1), err);
		if (r == NULL) {
			json_decref(backups);
			json_decref(line);
			return NULL;
		}
		json_array_foreach (json_object_get(r, "backups"), i, b)
			json_array_append_new(
			    backups,
			    json_pack("{s:O, s:O}", "created_at",
			              json_object_get(b, "created_at"), "data",
			              json_object_get(b, "data")));
		json_decref(r);
	}
	*nbackups += (int)json_array_size(backups);
	json_object_set_new(line, "backups", backups);
	return line;
}

int
transfer_export(const char *server, int all, FILE *out)
{
	struct xfer x;
	struct pl_error err;
	json_t *page = NULL, *next = NULL, *p;
	int rc, npads = 0, nbackups = 0;
	size_t i;

	if ((rc = xfer_open(&x, server, "export")) != 0)
		goto done;
	do {
		json_t *params = json_pack("{s:i}", "limit", 1000);

		if (next && json_is_string(next))
			json_object_set(params, "after", next);
		json_decref(next);
		next = NULL;
		if ((page = call(&x, "pad.list", params, &err)) == NULL)
			goto failed;
		json_array_foreach (json_object_get(page, "pads"), i, p) {
			json_t *line;
			char *text;

			if (!all && strcmp(json_string_value(
			                       json_object_get(p, "access")),
			                   "owner") != 0)
				continue;
			if ((line = export_pad(&x, p, &nbackups, &err)) == NULL)
				goto failed;
			text = json_num_dumps(line, JSON_COMPACT);
			json_decref(line);
			if (fprintf(out, "%s\n", text) < 0) {
				free(text);
				fprintf(stderr, "padline export: cannot write "
				                "the output\n");
				rc = 1;
				goto done;
			}
			free(text);
			npads++;
		}
		next = json_incref(json_object_get(page, "next"));
		json_decref(page);
		page = NULL;
	} while (json_is_string(next));
	if (fflush(out) != 0) {
		fprintf(stderr, "padline export: cannot write the output\n");
		rc = 1;
		goto done;
	}
	fprintf(stderr, "exported %d pads, %d backups\n", npads, nbackups);
	goto done;
failed:
	term_safe_println(stderr, "padline export: %s", err.message);
	rc = 1;
done:
	json_decref(page);
	json_decref(next);
	xfer_close(&x);
	return rc;
}

/* ---- import ---------------------------------------------------------- */

/* What the server will take as a pad name (its rules, checked before
 * anything is sent): 1 to 100 characters once trimmed, no controls. */
static int
name_ok(const char *s)
{
	size_t chars = 0, visible = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if ((*p & 0xc0) != 0x80)
			chars++;
		if (*p != ' ')
			visible++;
	}
	return visible > 0 && chars <= 100;
}

/* The pad.import entry of one line: {display_name, data, backups: [data]}
 * (new reference), or NULL with why. */
static json_t *
import_entry(json_t *line, long long max_pad_bytes, const char **why)
{
	json_t *name = json_object_get(line, "display_name"),
	       *data = json_object_get(line, "data"),
	       *backups = json_object_get(line, "backups"), *b, *out;
	size_t i;

	if (!json_is_object(line))
		return *why = "not a JSON object", NULL;
	if (!json_is_string(name) || !name_ok(json_string_value(name)))
		return *why = "display_name must be a name of 1 to 100 "
		              "characters without control characters",
		       NULL;
	if (!json_is_object(data))
		return *why = "data must be a JSON object", NULL;
	if (backups && !json_is_array(backups))
		return *why = "backups must be an array", NULL;
	out = json_pack("{s:O, s:O, s:[]}", "display_name", name, "data", data,
	                "backups");
	json_array_foreach (backups, i, b) {
		json_t *d = json_is_object(json_object_get(b, "data"))
		                ? json_object_get(b, "data")
		                : NULL;

		if (d == NULL) {
			json_decref(out);
			return *why = "each backup must be {data: object}",
			       NULL;
		}
		json_array_append(json_object_get(out, "backups"), d);
	}
	if (max_pad_bytes > 0) {
		char *text = json_num_dumps(data, JSON_COMPACT);
		long long len = (long long)strlen(text);

		free(text);
		if (len > max_pad_bytes) {
			json_decref(out);
			return *why = "data is larger than the server's "
			              "max_pad_bytes",
			       NULL;
		}
	}
	return out;
}

/* Bytes of v as compact JSON. */
static size_t
json_size(json_t *v)
{
	char *text = json_num_dumps(v, JSON_COMPACT);
	size_t n = strlen(text);

	free(text);
	return n;
}

/* Reads and checks every line of f into *entries (an array, and *lines the
 * line number of each); 0, or 1 with the bad line named on stderr. */
static int
import_read(FILE *f, const char *path, long long max_pad_bytes,
            json_t **entries, json_t **lines)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	long long no = 0;

	*entries = json_array();
	*lines = json_array();
	while ((len = getline(&buf, &cap, f)) >= 0) {
		json_error_t jerr;
		const char *why = NULL;
		json_t *v, *e;

		no++;
		while (len > 0 &&
		       (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			continue;
		v = json_num_loadb(buf, (size_t)len, 0, &jerr);
		e = v ? import_entry(v, max_pad_bytes, &why) : NULL;
		json_decref(v);
		if (e == NULL) {
			term_safe_println(stderr, "padline import: %s:%lld: %s",
			                  path, no, why ? why : jerr.text);
			free(buf);
			return 1;
		}
		json_array_append_new(*entries, e);
		json_array_append_new(*lines, json_integer(no));
	}
	free(buf);
	if (ferror(f)) {
		fprintf(stderr, "padline import: cannot read %s\n", path);
		return 1;
	}
	return 0;
}

/* Deletes and purges the pads imported so far (ids). */
static void
import_undo(struct xfer *x, json_t *ids)
{
	struct pl_error err;
	json_t *id;
	size_t i;

	json_array_foreach (ids, i, id) {
		json_decref(
		    call(x, "pad.delete", json_pack("{s:O}", "id", id), &err));
		json_decref(
		    call(x, "pad.purge", json_pack("{s:O}", "id", id), &err));
	}
}

struct import_state {
	struct xfer *x;
	json_t *batch;   /* the entries of the next request */
	json_t *lines;   /* the file's line of each */
	size_t bytes;    /* their size */
	json_t *ids;     /* every pad imported so far */
	long long first; /* line of the batch's first entry */
	int pads, backups, renamed;
};

/* Sends the batch; its pads' ids are returned in order into *created when
 * it is not NULL. */
static int
import_send(struct import_state *st, json_t **created, struct pl_error *err)
{
	json_t *r, *p;
	size_t i;

	if (created)
		*created = NULL;
	if (json_array_size(st->batch) == 0)
		return 0;
	r = call(st->x, "pad.import", json_pack("{s:O}", "pads", st->batch),
	         err);
	if (r == NULL) {
		/* The line of the entry the server refused, if it said. */
		json_t *line = json_array_get(st->lines, (size_t)st->x->index);

		if (st->x->index >= 0 && line)
			st->first = json_integer_value(line);
		return -1;
	}
	json_array_clear(st->batch);
	json_array_clear(st->lines);
	st->bytes = 0;
	json_array_foreach (json_object_get(r, "pads"), i, p) {
		json_array_append(st->ids, json_object_get(p, "id"));
		st->pads++;
		st->renamed += json_is_true(json_object_get(p, "renamed"));
	}
	st->backups += (int)json_integer_value(json_object_get(r, "backups"));
	if (created)
		*created = json_incref(json_object_get(r, "pads"));
	json_decref(r);
	return 0;
}

/* Adds one entry, sending the batch first when it would not fit; an entry
 * too large for any request goes alone with its oldest backups, then its
 * newer backups in {id, backups} entries. */
static int
import_add(struct import_state *st, json_t *e, long long no,
           struct pl_error *err)
{
	size_t budget = (size_t)(st->x->max_line - REQUEST_SLACK),
	       size = json_size(e);
	json_t *backups, *rest, *created = NULL;
	const char *id;

	if (st->bytes + size > budget ||
	    json_array_size(st->batch) >= IMPORT_BATCH) {
		if (import_send(st, NULL, err) != 0)
			return -1;
	}
	if (json_array_size(st->batch) == 0)
		st->first = no;
	if (size <= budget) {
		json_array_append(st->batch, e);
		json_array_append_new(st->lines, json_integer(no));
		st->bytes += size;
		return 0;
	}
	/* Too big: the pad with the oldest backups that fit (the array is
	 * newest first, so they are its tail). */
	backups = json_object_get(e, "backups");
	rest = json_array();
	while (json_array_size(backups) > 0 && json_size(e) > budget) {
		json_array_insert(rest, json_array_size(rest),
		                  json_array_get(backups, 0));
		json_array_remove(backups, 0);
	}
	json_array_append(st->batch, e);
	json_array_append_new(st->lines, json_integer(no));
	if (import_send(st, &created, err) != 0)
		return -1;
	id = json_string_value(
	    json_object_get(json_array_get(created, 0), "id"));
	/* rest is newest first: send its oldest chunks first. */
	while (json_array_size(rest) > 0) {
		json_t *chunk = json_array(), *entry;
		size_t n = json_array_size(rest), used = 64;

		while (
		    n > 0 &&
		    (json_array_size(chunk) == 0 ||
		     used + json_size(json_array_get(rest, n - 1)) <= budget)) {
			used += json_size(json_array_get(rest, n - 1));
			json_array_insert(chunk, 0,
			                  json_array_get(rest, n - 1));
			json_array_remove(rest, n - 1);
			n--;
		}
		entry = json_pack("{s:s, s:o}", "id", id, "backups", chunk);
		json_array_append_new(st->batch, entry);
		json_array_append_new(st->lines, json_integer(no));
		st->first = no;
		if (import_send(st, NULL, err) != 0) {
			json_decref(rest);
			json_decref(created);
			return -1;
		}
	}
	json_decref(rest);
	json_decref(created);
	return 0;
}

int
transfer_import(const char *server, const char *path)
{
	struct import_state st = {0};
	struct pl_error err;
	struct xfer x;
	json_t *entries = NULL, *lines = NULL, *e;
	FILE *f;
	size_t i;
	int rc;

	if ((rc = xfer_open(&x, server, "import")) != 0) {
		xfer_close(&x);
		return rc;
	}
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "padline import: cannot open %s\n", path);
		xfer_close(&x);
		return 1;
	}
	rc = import_read(f, path, x.max_pad_bytes, &entries, &lines);
	if (f != stdin)
		fclose(f);
	if (rc != 0)
		goto done;
	st.x = &x;
	st.batch = json_array();
	st.lines = json_array();
	st.ids = json_array();
	json_array_foreach (entries, i, e) {
		long long no = json_integer_value(json_array_get(lines, i));

		if (import_add(&st, e, no, &err) != 0)
			goto failed;
	}
	if (import_send(&st, NULL, &err) != 0)
		goto failed;
	fprintf(stderr, "imported %d pads, %d backups, %d renamed\n", st.pads,
	        st.backups, st.renamed);
	goto done;
failed:
	term_safe_println(
	    stderr, "padline import: %s:%lld: %s%s%s; nothing was imported",
	    path, st.first, err.message, x.detail[0] ? ": " : "", x.detail);
	import_undo(&x, st.ids);
	rc = 1;
done:
	json_decref(st.batch);
	json_decref(st.lines);
	json_decref(st.ids);
	json_decref(entries);
	json_decref(lines);
	xfer_close(&x);
	return rc;
}
