/*
 * docs/protocol.md against the server's method table: every method padlined
 * answers has a "### name" section of the fixed shape (auth matching the
 * table, params, result, errors, events, an nc example), and every section
 * names a method that exists; and its Events table against the actions the
 * server's services write (e2e_events_docs checks the published shapes),
 * and its Safe retries list against the idempotent writes.
 * Documentation that drifts fails the suite.
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "rpc.h"
#include "tsupport.h"
#include "xalloc.h"

static char *
read_protocol_md(void)
{
	const char *src = getenv("PADLINE_SOURCE_DIR");
	char *path = xasprintf("%s/docs/protocol.md", src ? src : ".");
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = xmalloc((size_t)n + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	free(path);
	return text;
}

/* The section of one method: from its heading to the next heading. */
static char *
method_section(const char *doc, const char *name)
{
	char *heading = xasprintf("\n### %s\n", name);
	const char *start = strstr(doc, heading), *end;

	free(heading);
	if (start == NULL)
		return NULL;
	start++;
	end = strstr(start + 4, "\n#");
	return xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

static const char *
auth_word(enum rpc_auth a)
{
	return a == RPC_AUTH_ADMIN  ? "admin"
	       : a == RPC_AUTH_USER ? "user"
	                            : "none";
}

START_TEST(every_method_has_a_section_of_the_fixed_shape)
{
	char *doc = read_protocol_md();
	const char *fields[] = {
	    "- params:", "- result:", "- errors:", "- events:"};

	ck_assert_uint_gt(rpc_method_count(), 0);
	for (size_t i = 0; i < rpc_method_count(); i++) {
		const struct rpc_method *m = rpc_method_at(i);
		char *sec = method_section(doc, m->name);
		char *auth;

		ck_assert_msg(sec != NULL,
		              "docs/protocol.md has no \"### %s\" section",
		              m->name);
		auth = xasprintf("\n- auth: %s\n", auth_word(m->auth));
		ck_assert_msg(strstr(sec, auth) != NULL,
		              "### %s: expected \"- auth: %s\"", m->name,
		              auth_word(m->auth));
		for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
			ck_assert_msg(strstr(sec, fields[k]) != NULL,
			              "### %s: no \"%s\" line", m->name,
			              fields[k]);
		ck_assert_msg(strstr(sec, "| nc -N ") != NULL &&
		                  strstr(sec, m->name) != NULL,
		              "### %s: no nc example", m->name);
		free(auth);
		free(sec);
	}
	free(doc);
}
END_TEST

START_TEST(every_section_names_a_real_method)
{
	char *doc = read_protocol_md();
	const char *p = strstr(doc, "\n## Methods\n");
	const char *end;

	ck_assert_msg(p != NULL, "no \"## Methods\" chapter");
	end = strstr(p + 1, "\n## ");
	while ((p = strstr(p, "\n### ")) != NULL && (end == NULL || p < end)) {
		const char *name = p + 5;
		size_t len = strcspn(name, "\n");
		char *n = xstrndup(name, len);

		ck_assert_msg(rpc_method_find(n) != NULL,
		              "docs/protocol.md documents \"%s\", which the "
		              "server does not have",
		              n);
		free(n);
		p += 5;
	}
	free(doc);
}
END_TEST

/* The "user.x", "pad.x", "session.x", "invitation.x" literals of text
 * (a service's source: its audit actions) into set. */
static void
action_literals(const char *text, json_t *set)
{
	static const char *const kinds[] = {"\"user.",    "\"pad.",
	                                    "\"session.", "\"invitation.",
	                                    "\"signup.",  "\"rule."};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const char *p = text;

		while ((p = strstr(p, kinds[k])) != NULL) {
			size_t len =
			    1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_.");
			char *a;

			if (p[len] != '"') {
				p += len;
				continue;
			}
			a = xstrndup(p + 1, len - 1);
			json_object_set_new(set, a, json_true());
			free(a);
			p += len;
		}
	}
}

START_TEST(events_table_lists_the_actions_services_write)
{
	const char *src = getenv("PADLINE_SOURCE_DIR");
	char *doc = read_protocol_md(), *dir = xasprintf("%s/server", src);
	const char *p = strstr(doc, "\n## Events\n"), *k;
	json_t *written = json_object(), *listed = json_object(), *v;
	struct dirent *e;
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *path, *text;

		if (strncmp(e->d_name, "svc_", 4) != 0 || len < 3 ||
		    strcmp(e->d_name + len - 2, ".c") != 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		text = ts_file_read(path);
		action_literals(text, written);
		free(text);
		free(path);
	}
	closedir(d);
	ck_assert_uint_gt(json_object_size(written), 10);
	ck_assert_msg(p != NULL, "no \"## Events\" chapter");
	while ((p = strstr(p, "\n| `")) != NULL) {
		size_t len = strcspn(p + 4, "`");
		char *a = xstrndup(p + 4, len);

		json_object_set_new(listed, a, json_true());
		free(a);
		p += 4;
	}
	json_object_foreach (written, k, v) {
		ck_assert_msg(json_object_get(listed, k) != NULL,
		              "the server writes event %s, which "
		              "docs/protocol.md's Events table does not list",
		              k);
	}
	json_object_foreach (listed, k, v) {
		ck_assert_msg(json_object_get(written, k) != NULL,
		              "docs/protocol.md's Events table lists %s, which "
		              "no server/svc_*.c writes",
		              k);
	}
	json_decref(written);
	json_decref(listed);
	free(dir);
	free(doc);
}
END_TEST

/* The "- events:" item of a method's section (up to the next item). */
static char *
events_item(const char *sec)
{
	const char *p = strstr(sec, "\n- events:"), *end;

	ck_assert_ptr_nonnull(p);
	end = strstr(p + 1, "\n-");
	if (end == NULL)
		end = strstr(p + 1, "\n\n");
	return xstrndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* A row's "published by" methods and a method's "- events:" item agree:
 * a row names the method only when the method's item names the action,
 * and the other way round. */
START_TEST(events_table_agrees_with_the_method_sections)
{
	char *doc = read_protocol_md();
	const char *events = strstr(doc, "\n## Events\n");

	ck_assert_ptr_nonnull(events);
	for (size_t i = 0; i < rpc_method_count(); i++) {
		const char *name = rpc_method_at(i)->name;
		char *sec = method_section(doc, name), *item;
		char *quoted = xasprintf("`%s`", name);
		const char *p = events;

		ck_assert_ptr_nonnull(sec);
		item = events_item(sec);
		while ((p = strstr(p, "\n| `")) != NULL) {
			const char *end = strchr(p + 1, '\n');
			char *row =
			    xstrndup(p, end ? (size_t)(end - p) : strlen(p));
			char *action = xstrndup(p + 3, strcspn(p + 4, "`") + 2);
			char *by = strchr(row + 4 + strlen(action), '|');
			char *subject = by ? strchr(by + 1, '|') : NULL;
			int row_names =
			    subject && memmem(by, (size_t)(subject - by),
			                      quoted, strlen(quoted));
			int item_names = strstr(item, action) != NULL;

			ck_assert_msg(row_names == item_names,
			              "%s: the Events row of %s %s it, its "
			              "\"- events:\" item %s",
			              name, action,
			              row_names ? "names" : "omits",
			              item_names ? "names it" : "does not");
			free(row);
			free(action);
			p = end ? end : p + 1;
		}
		free(item);
		free(quoted);
		free(sec);
	}
	free(doc);
}
END_TEST

/* The "Safe retries" list of writes is the one both programs use
 * (common/idempotency.c), each a real method, in full. */
START_TEST(safe_retries_lists_the_idempotent_writes)
{
	char *doc = read_protocol_md();
	const char *sec = strstr(doc, "\n## Safe retries\n"), *item, *end;
	const char *m;
	size_t n = 0, listed = 0;

	ck_assert_msg(sec != NULL, "protocol.md has no Safe retries section");
	item = strstr(sec, "- Writes that take it:");
	ck_assert_ptr_nonnull(item);
	end = strstr(item, "Other methods");
	ck_assert_ptr_nonnull(end);
	for (; (m = pl_idempotent_method_at(n)) != NULL; n++) {
		char *quoted = xasprintf("`%s`", m);
		const char *at = strstr(item, quoted);

		ck_assert_msg(rpc_method_find(m) != NULL, "%s is no method", m);
		ck_assert_msg(at != NULL && at < end,
		              "Safe retries does not list %s", m);
		free(quoted);
	}
	for (const char *p = item; p < end && (p = strchr(p, '`')) && p < end;
	     p = strchr(p + 1, '`') + 1)
		listed++;
	ck_assert_uint_eq(listed, n);
	free(doc);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, every_method_has_a_section_of_the_fixed_shape);
	tcase_add_test(tc, every_section_names_a_real_method);
	tcase_add_test(tc, events_table_lists_the_actions_services_write);
	tcase_add_test(tc, events_table_agrees_with_the_method_sections);
	tcase_add_test(tc, safe_retries_lists_the_idempotent_writes);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
