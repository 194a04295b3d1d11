/*
 * The TUI's kept edits without a terminal (tui/recovery.c): the recovery
 * file's write/read/list/remove, its mode, surviving a crash between the
 * write and the save, the conflict-marker text, and error.data reaching
 * callers through the RPC client's error decoding, and the words of the
 * dialogs (sizes, wrapping).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recovery.h"
#include "rpc_client.h"
#include "text.h"
#include "tsupport.h"
#include "xalloc.h"

static char state_dir[256];

/* Each test gets its own XDG_STATE_HOME (tests run in forked children). */
static void
fresh_state(void)
{
	snprintf(state_dir, sizeof state_dir, "/tmp/pl-recovery-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	setenv("XDG_STATE_HOME", state_dir, 1);
}

/* Teardown: the state directory goes (pass or fail). */
static void
drop_state(void)
{
	ts_remove_tree(state_dir);
}

static void
fill(struct recovery *r, const char *user, const char *pad, const char *text)
{
	memset(r, 0, sizeof *r);
	snprintf(r->server, sizeof r->server, "127.0.0.1:7400");
	snprintf(r->user_id, sizeof r->user_id, "%s", user);
	snprintf(r->pad_id, sizeof r->pad_id, "%s", pad);
	snprintf(r->name, sizeof r->name, "Plan %s", pad);
	r->base_version = 7;
	r->text = xstrdup(text);
}

START_TEST(write_read_list_remove)
{
	struct recovery r, back, *v;
	struct pl_error err;
	char path[1200];
	struct stat st;
	size_t n;

	fresh_state();
	pl_error_init(&err);
	memset(&back, 0, sizeof back);
	fill(&r, "u1", "p1", "{\"a\": \"héllo\"\n oops\n");
	ck_assert_int_eq(recovery_write(&r, &err), 0);
	ck_assert_int_eq(recovery_path(&r, path, sizeof path), 0);
	ck_assert_ptr_nonnull(strstr(path, state_dir));
	ck_assert_ptr_nonnull(strstr(path, "/padline/recovery/"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);

	ck_assert_int_eq(recovery_path(&r, path, sizeof path), 0);
	ck_assert_int_eq(recovery_read(path, &back, &err), 0);
	ck_assert_str_eq(back.text, r.text); /* invalid JSON kept as typed */
	ck_assert_str_eq(back.name, "Plan p1");
	ck_assert_str_eq(back.pad_id, "p1");
	ck_assert_int_eq(back.base_version, 7);
	ck_assert_uint_eq(strlen(back.saved_at), 20);

	/* Another pad, another user, another server: listed apart. */
	recovery_clear(&back);
	fill(&back, "u1", "p0", "{}");
	ck_assert_int_eq(recovery_write(&back, &err), 0);
	recovery_clear(&back);
	fill(&back, "u2", "p1", "{}");
	ck_assert_int_eq(recovery_write(&back, &err), 0);
	snprintf(back.server, sizeof back.server, "other:7400");
	ck_assert_int_eq(recovery_write(&back, &err), 0);
	recovery_clear(&back);

	n = recovery_list("127.0.0.1:7400", "u1", &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].pad_id, "p0");
	ck_assert_str_eq(v[1].pad_id, "p1");
	ck_assert_str_eq(v[1].text, r.text);
	recovery_list_free(v, n);
	n = recovery_list("127.0.0.1:7400", "u2", &v);
	ck_assert_uint_eq(n, 1);
	recovery_list_free(v, n);

	/* Rewriting the same pad replaces its one file. */
	free(r.text);
	r.text = xstrdup("{\"b\": 2}");
	r.base_version = 9;
	ck_assert_int_eq(recovery_write(&r, &err), 0);
	n = recovery_list("127.0.0.1:7400", "u1", &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1].text, "{\"b\": 2}");
	ck_assert_int_eq(v[1].base_version, 9);
	recovery_list_free(v, n);

	ck_assert_int_eq(recovery_remove(&r), 0);
	ck_assert_int_eq(recovery_remove(&r), 0); /* already gone: fine */
	n = recovery_list("127.0.0.1:7400", "u1", &v);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].pad_id, "p0");
	recovery_list_free(v, n);
	recovery_clear(&r);
	pl_error_clear(&err);
}
END_TEST

START_TEST(survives_a_crash_before_the_save)
{
	struct recovery r, *v;
	struct pl_error err;
	char path[1200], tmp[1300];
	int status;
	size_t n;
	pid_t pid;
	FILE *f;

	fresh_state();
	pl_error_init(&err);
	/* The TUI keeps the text, then dies before pad.update answers. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fill(&r, "u1", "p1", "{\"kept\": true}\n");
		if (recovery_write(&r, &err) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	n = recovery_list("127.0.0.1:7400", "u1", &v);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].text, "{\"kept\": true}\n");
	ck_assert_str_eq(v[0].name, "Plan p1");

	/* A crash in the middle of the next write leaves a partial temp
	 * file: the kept edit is still the whole earlier one. */
	ck_assert_int_eq(recovery_path(&v[0], path, sizeof path), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp99999", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"server\": \"127.0.0.1:7400\", \"te", f);
	fclose(f);
	recovery_list_free(v, n);
	n = recovery_list("127.0.0.1:7400", "u1", &v);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].text, "{\"kept\": true}\n");
	recovery_list_free(v, n);
	pl_error_clear(&err);
}
END_TEST

START_TEST(unreadable_files_are_not_edits)
{
	struct recovery r, *v;
	struct pl_error err;
	char path[1200];
	FILE *f;

	fresh_state();
	pl_error_init(&err);
	memset(&r, 0, sizeof r);
	fill(&r, "u1", "p1", "{}");
	ck_assert_int_eq(recovery_write(&r, &err), 0);
	ck_assert_int_eq(recovery_path(&r, path, sizeof path), 0);
	f = fopen(path, "w");
	fputs("not json", f);
	fclose(f);
	ck_assert_int_ne(recovery_read(path, &r, &err), 0);
	ck_assert_uint_eq(recovery_list("127.0.0.1:7400", "u1", &v), 0);
	ck_assert_ptr_null(v);
	recovery_clear(&r);
	pl_error_clear(&err);
}
END_TEST

START_TEST(merge_marks_the_differing_block)
{
	const char *theirs =
	    "{\n  \"a\": 1,\n  \"b\": \"theirs\",\n  \"c\": 3\n}\n";
	const char *yours =
	    "{\n  \"a\": 1,\n  \"b\": \"yours\",\n  \"c\": 3\n}\n";
	char *m = recovery_merge(theirs, yours, 5);
	int line = 0;

	ck_assert_str_eq(m, "{\n  \"a\": 1,\n"
	                    "<<<<<<< theirs (version 5)\n  \"b\": \"theirs\",\n"
	                    "=======\n  \"b\": \"yours\",\n>>>>>>> yours\n"
	                    "  \"c\": 3\n}\n");
	ck_assert_int_eq(recovery_has_markers(m, &line), 1);
	ck_assert_int_eq(line, 3);
	free(m);
	/* Equal texts: theirs, no markers. */
	m = recovery_merge(theirs, theirs, 5);
	ck_assert_str_eq(m, theirs);
	ck_assert_int_eq(recovery_has_markers(m, &line), 0);
	free(m);
	/* Only added lines on your side. */
	m = recovery_merge("{\n}\n", "{\n  \"x\": 1\n}\n", 2);
	ck_assert_str_eq(m, "{\n<<<<<<< theirs (version 2)\n=======\n"
	                    "  \"x\": 1\n>>>>>>> yours\n}\n");
	free(m);
	ck_assert_int_eq(recovery_has_markers("{\"a\": \"=======\"}", &line),
	                 0);
}
END_TEST

START_TEST(error_data_reaches_callers)
{
	json_t *e = json_pack(
	    "{s:i, s:s, s:{s:s, s:{s:i, s:s}, s:[{s:s, s:s}]}}", "code", 409,
	    "message", "the pad changed", "data", "reason", "version_conflict",
	    "current", "version", 4, "updated_at", "2026-01-01T00:00:00Z",
	    "violations", "field", "data", "rule", "x");
	struct pl_error err;

	pl_error_init(&err);
	rpc_error_from_json(e, &err);
	ck_assert_int_eq(err.code, 409);
	ck_assert_str_eq(err.reason, "version_conflict");
	ck_assert_str_eq(err.message, "the pad changed");
	ck_assert_uint_eq(json_array_size(err.violations), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(err.data, "current"), "version")),
	                 4);
	/* The members with their own fields are not repeated in data. */
	ck_assert_ptr_null(json_object_get(err.data, "reason"));
	ck_assert_ptr_null(json_object_get(err.data, "violations"));
	json_decref(e);
	/* No data: none. */
	e = json_pack("{s:i, s:s}", "code", 404, "message", "no such pad");
	rpc_error_from_json(e, &err);
	ck_assert_ptr_null(err.data);
	ck_assert_int_eq(err.code, 404);
	json_decref(e);
	pl_error_clear(&err);
}
END_TEST

START_TEST(sizes_in_words)
{
	char out[64];

	text_bytes(158, out, sizeof out);
	ck_assert_str_eq(out, "158 bytes");
	text_bytes(1048576, out, sizeof out);
	ck_assert_str_eq(out, "1 MB (1048576 bytes)");
	text_bytes(1363148, out, sizeof out);
	ck_assert_str_eq(out, "1.3 MB (1363148 bytes)");
	text_bytes(2048, out, sizeof out);
	ck_assert_str_eq(out, "2 KB (2048 bytes)");
}
END_TEST

START_TEST(dialog_text_wraps_at_spaces)
{
	char s[] = "aaa bbb ccc ddddddddd e";

	text_wrap(s, 7);
	ck_assert_str_eq(s, "aaa bbb\nccc\nddddddddd\ne");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_recovery");
	TCase *tc = tcase_create("recovery");

	tcase_add_checked_fixture(tc, NULL, drop_state);
	tcase_add_test(tc, write_read_list_remove);
	tcase_add_test(tc, survives_a_crash_before_the_save);
	tcase_add_test(tc, unreadable_files_are_not_edits);
	tcase_add_test(tc, merge_marks_the_differing_block);
	tcase_add_test(tc, error_data_reaches_callers);
	tcase_add_test(tc, sizes_in_words);
	tcase_add_test(tc, dialog_text_wraps_at_spaces);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
