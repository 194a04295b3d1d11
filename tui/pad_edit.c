/*
 * Editing a pad in $EDITOR: the pretty JSON goes to a private temp file
 * (mode 0600), curses is suspended while the editor runs, and the result
 * must parse as a JSON object before pad.update (with if_version). From
 * before the save until it succeeds (or the user discards it) the text is
 * kept in a recovery file, so no failure loses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "editor.h"
#include "pad_edit.h"
#include "readonly.h"
#include "widgets.h"
#include "xalloc.h"

static void
edit_end(struct pad_edit *ed)
{
	if (ed->done)
		ed->done(ed->ud);
	json_decref(ed->orig);
	json_decref(ed->data);
	recovery_clear(&ed->rec);
	free(ed);
}

/* Writes rec's file now: whatever happens next, the text survives. */
static int
edit_keep_file(struct pad_edit *ed)
{
	struct pl_error err;
	int rc;

	pl_error_init(&err);
	rc = recovery_write(&ed->rec, &err);
	if (rc)
		app_flash(ed->app, 1, "Cannot keep a copy of your edit: %s",
		          err.message);
	else
		ed->kept = 1;
	pl_error_clear(&err);
	return rc;
}

void
pad_edit_keep(struct pad_edit *ed)
{
	char why[300], text[1024];

	/* A dialog, not a flash: the refresh that follows may fail too (the
	 * server is away) and its message must not hide where the text is. */
	if (ed->kept || edit_keep_file(ed) == 0) {
		snprintf(why, sizeof why,
		         "Your edit of %s is kept for later: padline offers it "
		         "after the next sign-in, and editing the pad again "
		         "continues it.",
		         ed->rec.name);
		pad_edit_dialog_text(ed, why, text, sizeof text);
		app_message(ed->app, "Kept for later", text);
	}
	edit_end(ed);
}

static void
edit_discard(struct pad_edit *ed)
{
	if (ed->kept)
		recovery_remove(&ed->rec);
	app_flash(ed->app, 0, "Edit discarded.");
	edit_end(ed);
}

/* ---- after a failed save: retry, edit again, keep ---- */

static void on_discard_confirmed(struct app *a, void *ud, int ok,
                                 const char *input, size_t choice);

/* The choices of the failed-save dialog, in order (retry only when a
 * retry can work). */
enum { FAIL_RETRY, FAIL_EDIT, FAIL_KEEP, FAIL_DISCARD };

static void
on_failed_choice(struct app *a, void *ud, int ok, const char *input,
                 size_t choice)
{
	struct pad_edit *ed = ud;
	char text[300];

	(void)input;
	if (!ok) {
		pad_edit_keep(ed);
		return;
	}
	switch (choice + (ed->can_retry ? 0 : 1)) {
	case FAIL_RETRY:
		pad_edit_save(ed);
		break;
	case FAIL_EDIT:
		pad_edit_editor(ed, ed->rec.text);
		break;
	case FAIL_DISCARD:
		snprintf(text, sizeof text,
		         "Discard your edit of %s? It cannot be recovered "
		         "afterwards.",
		         ed->rec.name);
		app_confirm(a, "Discard the edit", text, on_discard_confirmed,
		            ed);
		break;
	default:
		pad_edit_keep(ed);
	}
}

static void
on_discard_confirmed(struct app *a, void *ud, int ok, const char *input,
                     size_t choice)
{
	struct pad_edit *ed = ud;

	(void)a;
	(void)input;
	(void)choice;
	if (ok)
		edit_discard(ed);
	else
		pad_edit_keep(ed);
}

void
pad_edit_dialog_text(const struct pad_edit *ed, const char *why, char *buf,
                     size_t size)
{
	char path[1200] = "", *file;

	snprintf(buf, size, "%s", why);
	if (recovery_path(&ed->rec, path, sizeof path) || !ed->kept)
		return;
	/* The directory and the file on lines of their own: a path does
	 * not wrap at spaces. */
	file = strrchr(path, '/');
	*file++ = '\0';
	snprintf(buf + strlen(buf), size - strlen(buf),
	         "\n\nYour text is kept in\n%.300s/\n%.200s", path, file);
}

/* The text is kept; says why the save failed and what can be done. */
static void
edit_failed(struct pad_edit *ed, const char *title, const char *why,
            int can_retry)
{
	char text[1024], more[600];
	json_t *choices = json_array();

	snprintf(more, sizeof more,
	         "%.400s\n\n(Offered again at the next start until it is "
	         "saved or discarded.)",
	         why);
	pad_edit_dialog_text(ed, more, text, sizeof text);
	ed->can_retry = can_retry;
	if (can_retry)
		json_array_append_new(choices,
		                      json_string("r  retry the save"));
	json_array_append_new(choices, json_string("e  edit it again"));
	json_array_append_new(choices, json_string("l  keep it for later"));
	json_array_append_new(choices,
	                      json_string("d  discard it (asks first)"));
	app_choose(ed->app, title, text, choices, on_failed_choice, ed);
}

static void
edit_too_large(struct pad_edit *ed, long long bytes, long long limit)
{
	char why[400], have[64], max[64];

	text_bytes(bytes, have, sizeof have);
	text_bytes(limit, max, sizeof max);
	snprintf(why, sizeof why,
	         "This pad is %s as compact JSON; the server accepts at most "
	         "%s (its max_pad_bytes). Make it smaller to save it.",
	         have, max);
	edit_failed(ed, "Pad too large", why, 0);
}

/* ---- saving ---- */

static int
violation_rule(const struct pl_error *err, const char *rule)
{
	size_t i;
	json_t *v;

	json_array_foreach (err->violations, i, v)
		if (strcmp(jstr(v, "rule"), rule) == 0)
			return 1;
	return 0;
}

static long long
edit_size(json_t *data)
{
	char *s = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	long long n = s ? (long long)strlen(s) : 0;

	free(s);
	return n;
}

static long long
hello_limit(struct app *a, const char *name)
{
	return (long long)json_integer_value(
	    json_object_get(json_object_get(a->hello, "limits"), name));
}

/* The server's limit may have changed since hello (a restart with another
 * PADLINE_MAX_PAD_BYTES): ask again, then say the real figure. */
static void
on_hello_limits(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;

	if (!err->code)
		app_set_hello(a, result);
	if (hello_limit(a, "max_pad_bytes") <= 0) /* a server without limits */
		edit_failed(ed, "Pad too large",
		            "The server refused the pad as too large.", 0);
	else
		edit_too_large(ed, edit_size(ed->data),
		               hello_limit(a, "max_pad_bytes"));
}

static void
on_updated(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;
	char why[420];

	if (!err->code) {
		recovery_remove(&ed->rec);
		ed->kept = 0;
		app_flash(a, 0,
		          "Pad saved, version %lld (the old data is in its "
		          "backups).",
		          (long long)json_integer_value(json_object_get(
		              json_object_get(result, "pad"), "version")));
		edit_end(ed);
		return;
	}
	if (err->code == PL_ERR_CONFLICT &&
	    strcmp(err->reason, "version_conflict") == 0) {
		pad_conflict_open(ed, err);
		return;
	}
	if (err->code == PL_ERR_VALIDATION &&
	    violation_rule(err, "too_large")) {
		rpc_send(a->rpc, "server.hello", NULL, on_hello_limits, ed);
		return;
	}
	if (app_auth_lost(a, err)) {
		pad_edit_keep(ed); /* offered again after signing in */
		return;
	}
	snprintf(why, sizeof why, "Could not save %s: %s.", ed->rec.name,
	         err->message);
	edit_failed(ed, "Not saved", why, 1);
}

static void
send_update(struct pad_edit *ed)
{
	rpc_send(ed->app->rpc, "pad.update",
	         json_pack("{s:s, s:O, s:I}", "id", ed->rec.pad_id, "data",
	                   ed->data, "if_version",
	                   (json_int_t)ed->rec.base_version),
	         on_updated, ed);
}

/* Over the limit the TUI knows: that figure may be older than the server
 * (restarted with a larger PADLINE_MAX_PAD_BYTES), so it asks again and
 * refuses only on the current one. An unanswered question is no current
 * figure: a restart while the editor was open leaves the question on the
 * dead connection. Then the pad goes out (on a new connection) and the
 * server decides; its refusal asks again (on_updated). */
static void
on_hello_before_save(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;
	long long max, bytes = edit_size(ed->data);

	if (err->code) {
		send_update(ed);
		return;
	}
	app_set_hello(a, result);
	max = hello_limit(a, "max_pad_bytes");
	if (max > 0 && bytes > max)
		edit_too_large(ed, bytes, max);
	else
		send_update(ed);
}

void
pad_edit_save(struct pad_edit *ed)
{
	long long max = hello_limit(ed->app, "max_pad_bytes");
	long long bytes = edit_size(ed->data);

	edit_keep_file(ed);
	if (max > 0 && bytes > max)
		rpc_send(ed->app->rpc, "server.hello", NULL,
		         on_hello_before_save, ed);
	else
		send_update(ed);
}

/* ---- the editor ---- */

/* The edited text in rec.text: markers left, not JSON, unchanged, or save. */
static void
edit_check(struct pad_edit *ed)
{
	struct app *a = ed->app;
	char msg[300], text[600];
	const char *title = NULL;
	int line;

	json_decref(ed->data);
	ed->data = NULL;
	if (recovery_has_markers(ed->rec.text, &line)) {
		title = "Conflict not resolved";
		snprintf(msg, sizeof msg,
		         "line %d still has a conflict marker: keep theirs or "
		         "yours (or both, merged) in each block and delete the "
		         "<<<<<<< ======= >>>>>>> lines",
		         line);
	} else if (!(ed->data =
	                 json_parse_pad(ed->rec.text, msg, sizeof msg))) {
		title = strncmp(msg, "valid JSON", 10) == 0
		            ? "Not a JSON object"
		            : "Syntax error";
	}
	if (title) {
		/* Kept before asking (and a kept edit with this text): the
		 * text survives the dialog, whatever ends it. */
		edit_keep_file(ed);
		snprintf(text, sizeof text, "%s:\n%s",
		         strcmp(title, "Not a JSON object") == 0
		             ? "The pad must be a JSON object"
		         : strcmp(title, "Syntax error") == 0
		             ? "The pad is not valid JSON"
		             : "The conflict is not resolved",
		         msg);
		edit_failed(ed, title, text, 0);
		return;
	}
	if (!ed->kept && ed->orig && json_equal(ed->data, ed->orig)) {
		app_flash(a, 0, "No changes.");
		edit_end(ed);
		return;
	}
	pad_edit_save(ed);
}

/* The terminal went away while the editor ran: what the editor left in
 * path goes to the recovery file (offered after the next sign-in) unless it
 * is what the editor was given, then padline exits as the signal asks. */
static void
edit_hangup(struct pad_edit *ed, const char *path, const char *initial,
            int signum)
{
	char *text = editor_slurp(path);

	unlink(path);
	if (text && (ed->kept || strcmp(text, initial) != 0)) {
		free(ed->rec.text);
		ed->rec.text = text;
		text = NULL;
		edit_keep_file(ed);
	}
	free(text);
	app_quit(ed->app, 128 + signum);
	edit_end(ed);
}

void
pad_edit_editor(struct pad_edit *ed, const char *initial)
{
	struct app *a = ed->app;
	const char *tmp = getenv("TMPDIR");
	char path[512], *text;
	int fd, rc, signum;

	/* An editor can start a shell: never from a console that only
	 * watches. A kept edit stays kept. */
	if (readonly_refuse(a, "editing")) {
		edit_end(ed);
		return;
	}
	text = xstrdup(initial ? initial : "");
	snprintf(path, sizeof path, "%s/padline-XXXXXX.json",
	         tmp && *tmp ? tmp : "/tmp");
	fd = mkstemps(path, 5); /* mode 0600 */
	if (fd < 0 || fchmod(fd, 0600) ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(text);
		app_flash(a, 1, "Cannot write a temporary file.");
		if (ed->kept)
			pad_edit_keep(ed);
		else
			edit_end(ed);
		return;
	}
	close(fd);
	rc = editor_run(a, path, &signum);
	if (signum) {
		edit_hangup(ed, path, text, signum);
		free(text);
		return;
	}
	free(text);
	text = rc == 0 ? editor_slurp(path) : NULL;
	unlink(path);
	if (!text) {
		if (ed->kept) {
			app_flash(a, 1,
			          "The editor failed (exit %d): your kept text "
			          "stays kept.",
			          rc);
			edit_end(ed);
			return;
		}
		app_flash(a, 1, "The editor failed (exit %d): edit discarded.",
		          rc);
		edit_end(ed);
		return;
	}
	free(ed->rec.text);
	ed->rec.text = text;
	edit_check(ed);
}

struct pad_edit *
pad_edit_new(struct app *a, pad_edit_done done, void *ud)
{
	struct pad_edit *ed = xcalloc(1, sizeof *ed);

	ed->app = a;
	ed->done = done;
	ed->ud = ud;
	snprintf(ed->rec.server, sizeof ed->rec.server, "%s", a->server);
	snprintf(ed->rec.user_id, sizeof ed->rec.user_id, "%s",
	         jstr(a->me, "id"));
	return ed;
}

static void
on_get_edit(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;
	json_t *pad = json_object_get(result, "pad");
	char path[1200], *text;
	struct pl_error rerr;
	struct recovery kept;

	if (app_failed(a, err, "Could not open the pad")) {
		edit_end(ed);
		return;
	}
	snprintf(ed->rec.pad_id, sizeof ed->rec.pad_id, "%s", jstr(pad, "id"));
	pl_error_init(&rerr);
	memset(&kept, 0, sizeof kept);
	/* An earlier edit of this pad still kept: continue that one rather
	 * than overwrite it (its save checks its own base version). */
	if (recovery_path(&ed->rec, path, sizeof path) == 0 &&
	    access(path, F_OK) == 0 && recovery_read(path, &kept, &rerr) == 0) {
		recovery_copy(&ed->rec, &kept);
		recovery_clear(&kept);
		ed->kept = 1;
		app_flash(a, 0,
		          "Continuing your kept edit of %s (version %lld).",
		          ed->rec.name, ed->rec.base_version);
		pad_edit_editor(ed, ed->rec.text);
		return;
	}
	pl_error_clear(&rerr);
	snprintf(ed->rec.name, sizeof ed->rec.name, "%s",
	         jstr(pad, "display_name"));
	ed->rec.base_version =
	    (long long)json_integer_value(json_object_get(pad, "version"));
	ed->orig = json_incref(json_object_get(pad, "data"));
	text = json_pretty(ed->orig);
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	pad_edit_editor(ed, text);
	free(text);
}

void
pad_edit_start(struct app *a, const char *pad_id, pad_edit_done done, void *ud)
{
	rpc_send(a->rpc, "pad.get", json_pack("{s:s}", "id", pad_id),
	         on_get_edit, pad_edit_new(a, done, ud));
}
