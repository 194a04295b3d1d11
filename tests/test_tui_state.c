/*
 * The clients' state directory without a server: a directory others may
 * write or that is not the user's is refused with a message, files are not
 * followed through symbolic links, every write replaces its file atomically
 * with mode 0600, and known_servers reads long lines as one record and
 * compares fingerprints without regard to case or colons.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recovery.h"
#include "session_file.h"
#include "state_dir.h"
#include "tls_pin.h"
#include "tsupport.h"

#define SERVER "127.0.0.1:7401"
#define NOBODY 65534

static char base[256], dir[320], known[400];
static const char fp_a[] = "SHA256:"
                           "00112233445566778899aabbccddeeff"
                           "00112233445566778899aabbccddeeff";

/* Each test gets its own XDG_STATE_HOME (tests run in forked children). */
static void
setup(void)
{
	snprintf(base, sizeof base, "/tmp/pl-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	setenv("XDG_STATE_HOME", base, 1);
	snprintf(dir, sizeof dir, "%s/padline", base);
	snprintf(known, sizeof known, "%s/known_servers", dir);
}

static void
teardown(void)
{
	ts_remove_tree(base);
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
fill(struct recovery *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->server, sizeof r->server, SERVER);
	snprintf(r->user_id, sizeof r->user_id, "u1");
	snprintf(r->pad_id, sizeof r->pad_id, "p1");
	snprintf(r->name, sizeof r->name, "Plan");
	r->text = strdup("kept text");
}

/* Both writers refuse dir, saying why and naming it. */
static void
assert_refused(const char *why)
{
	struct pl_error err;
	struct recovery r;

	pl_error_init(&err);
	ck_assert_int_ne(tls_pin_add(known, SERVER, fp_a, &err), 0);
	ck_assert_msg(strstr(err.message, dir) && strstr(err.message, why),
	              "%s", err.message);
	ck_assert_int_ne(access(known, F_OK), 0);
	pl_error_clear(&err);
	fill(&r);
	ck_assert_int_ne(recovery_write(&r, &err), 0);
	ck_assert_msg(strstr(err.message, dir) && strstr(err.message, why),
	              "%s", err.message);
	recovery_clear(&r);
	pl_error_clear(&err);
}

START_TEST(dir_writable_by_others_refused)
{
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	assert_refused("writable by others");
	/* Group-writable is no better. */
	ck_assert_int_eq(chmod(dir, 0770), 0);
	assert_refused("writable by others");
}
END_TEST

START_TEST(dir_of_another_user_refused)
{
	/* Only root can give a directory away: the suite runs as root. */
	ck_assert_msg(geteuid() == 0, "needs root to chown to nobody");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	assert_refused("not owned by");
}
END_TEST

START_TEST(dir_made_0700_and_tightened)
{
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(tls_pin_add(known, SERVER, fp_a, &err), 0);
	ck_assert_uint_eq(mode_of(dir), 0700);
	/* An old directory others could list is made private. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(tls_pin_add(known, "127.0.0.1:7402", fp_a, &err), 0);
	ck_assert_uint_eq(mode_of(dir), 0700);
}
END_TEST

START_TEST(symlinked_known_servers_not_followed)
{
	char target[400], line[200], *text;
	struct pl_error err;
	struct stat st;
	int rc;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(target, sizeof target, "%s/elsewhere", base);
	snprintf(line, sizeof line, "%s %s\n", SERVER, fp_a);
	write_text(target, line, 0600);
	ck_assert_int_eq(symlink(target, known), 0);
	/* A pin read through the link is no pin: refused, not a match. */
	pl_error_init(&err);
	rc = tls_pin_check(known, SERVER, fp_a, &err);
	ck_assert_int_ne(rc, TLS_PIN_MATCH);
	ck_assert_int_ne(rc, TLS_PIN_UNKNOWN);
	ck_assert_msg(strstr(err.message, "symbolic link"), "%s", err.message);
	pl_error_clear(&err);
	/* Pinning through it is refused too: the file it points to is
	 * untouched. */
	ck_assert_int_ne(tls_pin_add(known, "127.0.0.1:7402", fp_a, &err), 0);
	ck_assert_msg(strstr(err.message, "symbolic link"), "%s", err.message);
	text = ts_file_read(target);
	ck_assert_ptr_null(strstr(text, "7402"));
	free(text);
	ck_assert_int_eq(lstat(known, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

START_TEST(writes_atomic_0600_over_old_0644)
{
	struct pl_error err;
	struct stat before, after;
	char *text;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_text(known,
	           "127.0.0.1:1 "
	           "SHA256:"
	           "ab",
	           0644);
	ck_assert_int_eq(stat(known, &before), 0);
	pl_error_init(&err);
	ck_assert_int_eq(tls_pin_add(known, SERVER, fp_a, &err), 0);
	ck_assert_uint_eq(mode_of(known), 0600);
	/* A new file renamed over the old one, never the old one rewritten in
	 * place (a crash leaves one or the other). */
	ck_assert_int_eq(stat(known, &after), 0);
	ck_assert(before.st_ino != after.st_ino);
	text = ts_file_read(known);
	ck_assert_msg(strstr(text, "127.0.0.1:1 SHA256:ab\n") &&
	                  strstr(text, SERVER " "),
	              "%s", text);
	free(text);
	ck_assert_int_eq(tls_pin_check(known, SERVER, fp_a, &err),
	                 TLS_PIN_MATCH);
}
END_TEST

START_TEST(recovery_file_0600_over_old_0644)
{
	struct pl_error err;
	struct recovery r;
	char path[1200];

	fill(&r);
	pl_error_init(&err);
	ck_assert_int_eq(recovery_write(&r, &err), 0);
	ck_assert_int_eq(recovery_path(&r, path, sizeof path), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(recovery_write(&r, &err), 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	recovery_clear(&r);
}
END_TEST

START_TEST(known_servers_long_line_is_one_record)
{
	char fp_b[TLS_PIN_FP_SIZE];
	struct pl_error err;
	FILE *f;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(fp_b, sizeof fp_b, "SHA256:%064d", 0);
	f = fopen(known, "w");
	/* 600 bytes: its tail, cut at 511 bytes, would read as a pin of
	 * SERVER to fp_b... */
	fputc('#', f);
	for (int i = 0; i < 510; i++)
		fputc('x', f);
	fprintf(f, "%s %s\n", SERVER, fp_b);
	/* ...and a record after it is still read. */
	fprintf(f, "127.0.0.1:7402 %s\n", fp_a);
	fclose(f);
	pl_error_init(&err);
	ck_assert_int_eq(tls_pin_check(known, SERVER, fp_b, &err),
	                 TLS_PIN_UNKNOWN);
	ck_assert_int_eq(tls_pin_check(known, "127.0.0.1:7402", fp_a, &err),
	                 TLS_PIN_MATCH);
}
END_TEST

START_TEST(fingerprints_compare_without_case_or_colons)
{
	static const char upper[] = "00112233445566778899AABBCCDDEEFF"
	                            "00112233445566778899AABBCCDDEEFF";
	struct pl_error err;
	FILE *f;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	f = fopen(known, "w");
	/* As openssl prints it (upper case, colons), pinned by hand. */
	fprintf(f, "%s SHA256:", SERVER);
	for (int i = 0; i < 32; i++)
		fprintf(f, "%s%.2s", i ? ":" : "", upper + 2 * i);
	fprintf(f, "\n");
	fclose(f);
	pl_error_init(&err);
	ck_assert_msg(tls_pin_check(known, SERVER, fp_a, &err) == TLS_PIN_MATCH,
	              "%s", err.message);
	/* A different fingerprint is still a change. */
	ck_assert_int_eq(tls_pin_check(known, SERVER,
	                               "SHA256:"
	                               "10112233445566778899aabbccddeeff"
	                               "00112233445566778899aabbccddeeff",
	                               &err),
	                 PL_ERR_FORBIDDEN);
}
END_TEST

START_TEST(write_replaces_a_link_never_follows_it)
{
	char target[400], path[400], *text;
	struct pl_error err;
	struct stat st;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(target, sizeof target, "%s/elsewhere", base);
	snprintf(path, sizeof path, "%s/some_state", dir);
	write_text(target, "theirs\n", 0644);
	ck_assert_int_eq(symlink(target, path), 0);
	pl_error_init(&err);
	ck_assert_int_eq(state_file_write(path, "mine\n", 5, &err), 0);
	text = ts_file_read(target);
	ck_assert_str_eq(text, "theirs\n");
	free(text);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(file_of_another_user_not_read)
{
	char path[400], *data = NULL;
	struct pl_error err;

	ck_assert_msg(geteuid() == 0, "needs root to chown to nobody");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/some_state", dir);
	write_text(path, "planted\n", 0600);
	ck_assert_int_eq(chown(path, NOBODY, NOBODY), 0);
	pl_error_init(&err);
	ck_assert_int_eq(state_file_read(path, 100, &data, NULL, &err),
	                 PL_ERR_FORBIDDEN);
	ck_assert_ptr_null(data);
	ck_assert_msg(strstr(err.message, "not owned by"), "%s", err.message);
}
END_TEST

START_TEST(sessions_kept_per_server)
{
	char tok[256];
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(session_save("127.0.0.1:7401", "tokA", &err), 0);
	ck_assert_int_eq(session_save("127.0.0.1:7402", "tokB", &err), 0);
	ck_assert_int_eq(session_load("127.0.0.1:7401", tok, sizeof tok), 0);
	ck_assert_str_eq(tok, "tokA");
	ck_assert_int_eq(session_load("127.0.0.1:7402", tok, sizeof tok), 0);
	ck_assert_str_eq(tok, "tokB");
	/* Another scheme or port is another server. */
	ck_assert_int_ne(session_load("tls://127.0.0.1:7401", tok, sizeof tok),
	                 0);
	ck_assert_str_eq(tok, "");
	ck_assert_int_ne(session_load("127.0.0.1:7403", tok, sizeof tok), 0);
	/* Signing out of B (or B refusing the token) keeps A's. */
	session_forget("127.0.0.1:7402");
	ck_assert_int_ne(session_load("127.0.0.1:7402", tok, sizeof tok), 0);
	ck_assert_int_eq(session_load("127.0.0.1:7401", tok, sizeof tok), 0);
	ck_assert_str_eq(tok, "tokA");
}
END_TEST

START_TEST(tls_session_bound_to_its_pin)
{
	char tok[256], fp_b[TLS_PIN_FP_SIZE];
	struct pl_error err;

	snprintf(fp_b, sizeof fp_b, "SHA256:%064d", 0);
	pl_error_init(&err);
	ck_assert_int_eq(tls_pin_add(known, SERVER, fp_a, &err), 0);
	ck_assert_int_eq(session_save("tls://" SERVER, "tokT", &err), 0);
	ck_assert_int_eq(session_load("tls://" SERVER, tok, sizeof tok), 0);
	ck_assert_str_eq(tok, "tokT");
	/* The pin was replaced (the line deleted, another certificate
	 * trusted): the token is not sent to that certificate. */
	ck_assert_int_eq(unlink(known), 0);
	ck_assert_int_eq(tls_pin_add(known, SERVER, fp_b, &err), 0);
	ck_assert_int_ne(session_load("tls://" SERVER, tok, sizeof tok), 0);
	/* Nor to the same address without TLS. */
	ck_assert_int_ne(session_load(SERVER, tok, sizeof tok), 0);
}
END_TEST

START_TEST(old_single_session_file_never_loaded)
{
	char path[400], tok[256];

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/session", dir);
	write_text(path, "oldtoken\n", 0600);
	ck_assert_int_ne(session_load("127.0.0.1:7411", tok, sizeof tok), 0);
	ck_assert_int_eq(session_drop_legacy(), 1);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(session_drop_legacy(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_state");
	TCase *tc = tcase_create("state_dir");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dir_writable_by_others_refused);
	tcase_add_test(tc, dir_of_another_user_refused);
	tcase_add_test(tc, dir_made_0700_and_tightened);
	tcase_add_test(tc, symlinked_known_servers_not_followed);
	tcase_add_test(tc, writes_atomic_0600_over_old_0644);
	tcase_add_test(tc, recovery_file_0600_over_old_0644);
	tcase_add_test(tc, known_servers_long_line_is_one_record);
	tcase_add_test(tc, fingerprints_compare_without_case_or_colons);
	tcase_add_test(tc, write_replaces_a_link_never_follows_it);
	tcase_add_test(tc, file_of_another_user_not_read);
	tcase_add_test(tc, sessions_kept_per_server);
	tcase_add_test(tc, tls_session_bound_to_its_pin);
	tcase_add_test(tc, old_single_session_file_never_loaded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
