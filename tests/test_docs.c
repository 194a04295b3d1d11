/*
 * docs/protocol.md against the server's method table: every method padlined
 * answers has a "### name" section of the fixed shape (auth matching the
 * table, params, result, errors, events, an nc example), and every section
 * names a method that exists. Documentation that drifts fails the suite.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, every_method_has_a_section_of_the_fixed_shape);
	tcase_add_test(tc, every_section_names_a_real_method);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
