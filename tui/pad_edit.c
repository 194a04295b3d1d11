/*
 * Editing a pad in $EDITOR: the pretty JSON goes to a private temp file
 * (mode 0600), curses is suspended while the editor runs, and the result
 * must parse as a JSON object before pad.update; on a syntax error the user
 * re-edits the same text or discards it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pad_edit.h"
#include "widgets.h"
#include "xalloc.h"

/* One edit in progress, from pad.get to pad.update (or discard). */
struct pad_edit {
	struct app *app;
	char path[512];
	char id[64];
	json_t *orig; /* the data before editing */
	pad_edit_done done;
	void *ud;
};

static void pad_edit_run(struct pad_edit *);

static void
edit_done(struct pad_edit *ed)
{
	if (ed->path[0])
		unlink(ed->path);
	json_decref(ed->orig);
	free(ed);
}

static int
run_editor(struct app *a, const char *path)
{
	const char *editor = getenv("VISUAL");
	pid_t pid;
	int status = -1;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	app_suspend(a);
	pid = fork();
	if (pid == 0) {
		/* Through the shell, so EDITOR="code --wait" works. */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path,
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0)
			;
	app_resume(a);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap)
			buf = xrealloc(buf, cap = (cap ? cap * 2 : 8192));
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void
on_updated(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;

	(void)result;
	if (err->code)
		app_flash(a, 1, "Could not save the pad: %s", err->message);
	else
		app_flash(a, 0, "Pad saved (the old data is in its backups).");
	if (ed->done)
		ed->done(ed->ud);
	edit_done(ed);
}

static void
on_syntax_choice(struct app *a, void *ud, int ok, const char *input,
                 size_t choice)
{
	(void)input;
	(void)choice;
	if (ok) {
		pad_edit_run(ud);
		return;
	}
	app_flash(a, 0, "Edit discarded.");
	edit_done(ud);
}

static void
pad_edit_run(struct pad_edit *ed)
{
	struct app *a = ed->app;
	char msg[300], text[512];
	char *buf;
	json_t *data;
	int rc = run_editor(a, ed->path);

	if (rc != 0) {
		app_flash(a, 1, "The editor failed (exit %d): edit discarded.",
		          rc);
		edit_done(ed);
		return;
	}
	buf = slurp(ed->path);
	data = buf ? json_parse_pad(buf, msg, sizeof msg) : NULL;
	free(buf);
	if (!data) {
		int shape = buf && strncmp(msg, "valid JSON", 10) == 0;

		snprintf(text, sizeof text,
		         "%s:\n%s\n\ny: edit again · n: discard",
		         shape ? "The pad must be a JSON object"
		               : "The pad is not valid JSON",
		         buf ? msg : "cannot read the file");
		app_confirm(a, shape ? "Not a JSON object" : "Syntax error",
		            text, on_syntax_choice, ed);
		return;
	}
	if (json_equal(data, ed->orig)) {
		app_flash(a, 0, "No changes.");
		json_decref(data);
		edit_done(ed);
		return;
	}
	rpc_call(a->rpc, "pad.update",
	         json_pack("{s:s, s:o}", "id", ed->id, "data", data),
	         on_updated, ed);
}

static void
on_get_edit(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	struct app *a = ed->app;
	json_t *pad = json_object_get(result, "pad");
	const char *tmp = getenv("TMPDIR");
	char *text;
	int fd;

	if (app_failed(a, err, "Could not open the pad")) {
		edit_done(ed);
		return;
	}
	snprintf(ed->path, sizeof ed->path, "%s/padline-XXXXXX.json",
	         tmp && *tmp ? tmp : "/tmp");
	fd = mkstemps(ed->path, 5); /* mode 0600 */
	if (fd < 0) {
		ed->path[0] = '\0';
		app_flash(a, 1, "Cannot create a temporary file.");
		edit_done(ed);
		return;
	}
	fchmod(fd, 0600);
	snprintf(ed->id, sizeof ed->id, "%s", jstr(pad, "id"));
	ed->orig = json_incref(json_object_get(pad, "data"));
	text = json_pretty(ed->orig);
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		free(text);
		app_flash(a, 1, "Cannot write the temporary file.");
		edit_done(ed);
		return;
	}
	close(fd);
	free(text);
	pad_edit_run(ed);
}

void
pad_edit_start(struct app *a, const char *pad_id, pad_edit_done done, void *ud)
{
	struct pad_edit *ed = xcalloc(1, sizeof *ed);

	ed->app = a;
	ed->done = done;
	ed->ud = ud;
	rpc_call(a->rpc, "pad.get", json_pack("{s:s}", "id", pad_id),
	         on_get_edit, ed);
}
