/* Unit tests for common/filter.c: the filter language's terms, negation and
 * errors with positions; the canonical rendering. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "tsupport.h"

static const char *const alice_rules[] = {"net-velocity", "my rule"};

static const struct filter_record alice = {
    .username = "Alice2024",
    .email = "alice@Mail.Example.ORG",
    .peer = "203.0.113.77",
    .flags = FILTER_FLAG_FAST | FILTER_FLAG_DISPOSABLE,
    .status = FILTER_STATUS_PENDING,
    .rules = alice_rules,
    .nrules = 2,
};

static const struct filter_record bob = {
    .username = "bob",
    .email = NULL,
    .peer = "2001:db8:1:2::5",
    .status = FILTER_STATUS_ACTIVE,
};

/* Parses text (which must parse) and matches r. */
static bool
matches(const char *text, const struct filter_record *r)
{
	struct filter *f;
	struct pl_error err;
	bool m;

	pl_error_init(&err);
	ck_assert_msg(filter_parse(text, &f, &err) == 0, "%s: %s", text,
	              err.message);
	m = filter_match(f, r);
	filter_free(f);
	return m;
}

/* Parses text, which must fail with message msg and data.position pos. */
static void
refused(const char *text, const char *msg, int pos)
{
	struct filter *f = (struct filter *)1;
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(filter_parse(text, &f, &err), PL_ERR_INVALID_PARAMS);
	ck_assert_ptr_null(f);
	ck_assert_str_eq(err.reason, "bad_filter");
	ck_assert_str_eq(err.message, msg);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(err.data, "position")), pos);
	pl_error_clear(&err);
}

START_TEST(networks_and_addresses)
{
	ck_assert(matches("net:203.0.113.0/24", &alice));
	ck_assert(matches("net:203.0.113.200/24", &alice)); /* masked */
	ck_assert(!matches("net:203.0.114.0/24", &alice));
	ck_assert(matches("net:203.0.0.0/16", &alice));
	ck_assert(matches("net:0.0.0.0/0", &alice));
	ck_assert(!matches("net:0.0.0.0/0", &bob));     /* other family */
	ck_assert(matches("net:203.0.113.77", &alice)); /* bare: /32 */
	ck_assert(!matches("net:203.0.113.78", &alice));
	ck_assert(matches("ip:203.0.113.77", &alice));
	ck_assert(matches("net:2001:db8:1::/48", &bob));
	ck_assert(!matches("net:2001:db8:2::/48", &bob));
	ck_assert(matches("ip:2001:DB8:1:2:0:0:0:5", &bob));
	ck_assert(!matches("ip:2001:db8:1:2::6", &bob));
	/* An IPv4-mapped peer is its IPv4 address. */
	struct filter_record mapped = {.peer = "::ffff:203.0.113.9"};
	ck_assert(matches("net:203.0.113.0/24", &mapped));
	ck_assert(matches("net:::ffff:203.0.113.0/120", &mapped));
	/* No peer: the term fails, its negation matches. */
	struct filter_record none = {.username = "x"};
	ck_assert(!matches("net:203.0.113.0/24", &none));
	ck_assert(matches("!net:203.0.113.0/24", &none));
}
END_TEST

START_TEST(domains_match_subdomains)
{
	ck_assert(matches("domain:mail.example.org", &alice));
	ck_assert(matches("domain:example.org", &alice));
	ck_assert(matches("domain:EXAMPLE.org", &alice));
	ck_assert(!matches("domain:ample.org", &alice));
	ck_assert(!matches("domain:org.example", &alice));
	ck_assert(!matches("domain:example.org", &bob));
}
END_TEST

START_TEST(shapes_flags_rules_status)
{
	ck_assert(matches("shape:a5d4", &alice));
	ck_assert(!matches("shape:a5d3", &alice));
	struct filter_record given = {.username = "zz", .shape = "a5d4"};
	ck_assert(matches("shape:a5d4", &given));
	ck_assert(matches("flag:fast", &alice));
	ck_assert(matches("flag:disposable flag:fast", &alice));
	ck_assert(!matches("flag:breached", &alice));
	ck_assert(matches("rule:net-velocity", &alice));
	ck_assert(matches("rule:\"my rule\"", &alice));
	ck_assert(!matches("rule:my", &alice));
	ck_assert(!matches("rule:net-velocity", &bob));
	ck_assert(matches("status:pending", &alice));
	ck_assert(matches("status:held", &alice));
	ck_assert(matches("STATUS:Active", &bob));
	ck_assert(!matches("status:disabled", &bob));
	struct filter_record unknown = {.username = "x"};
	ck_assert(!matches("status:active", &unknown));
}
END_TEST

START_TEST(free_text_and_combinations)
{
	ck_assert(matches("alice", &alice));
	ck_assert(matches("ALICE", &alice));
	ck_assert(matches("mail.example", &alice)); /* the email */
	ck_assert(!matches("carol", &alice));
	ck_assert(matches("\"ice2\"", &alice));
	ck_assert(!matches("\"alice 2024\"", &alice));
	struct filter_record spaced = {.username = "a b",
	                               .email = "say \"hi\"@x.org"};
	ck_assert(matches("\"a b\"", &spaced));
	ck_assert(matches("\"\\\"hi\\\"\"", &spaced));
	/* Terms AND; "!" negates one. */
	ck_assert(matches("alice net:203.0.113.0/24 !flag:breached", &alice));
	ck_assert(!matches("alice !flag:fast", &alice));
	ck_assert(matches("!alice", &bob));
	ck_assert(matches("", &alice));
	ck_assert(matches("  \t ", &bob));
}
END_TEST

START_TEST(errors_name_the_position)
{
	refused("nett:1.2.3.4", "unknown key \"nett\" at 1", 1);
	refused("alice !nett:x", "unknown key \"nett\" at 8", 8);
	refused(":x", "unknown key \"\" at 1", 1);
	refused("net:", "empty value for \"net\" at 1", 1);
	refused("net:1.2.3.4/33",
	        "\"1.2.3.4/33\" is not an address or network "
	        "(203.0.113.0/24, 2001:db8::/48) at 1",
	        1);
	refused("ip:1.2.3.0/24", "\"1.2.3.0/24\" is not an address at 1", 1);
	refused("a \"b c", "unterminated quote at 3", 3);
	refused("\"b\"c", "expected a space after the quote at 4", 4);
	refused("ab\"c", "unexpected quote at 3", 3);
	refused("a !", "\"!\" must be followed by a term at 3", 3);
	refused("flag:slow",
	        "unknown flag \"slow\" (fast, disposable, breached) at 1", 1);
	refused("status:gone",
	        "unknown status \"gone\" (active, pending, held, disabled, "
	        "rejected) at 1",
	        1);
	refused("shape:a0", "\"a0\" is not a shape (runs like a5d4) at 1", 1);
	refused("domain:a..b", "\"a..b\" is not a domain at 1", 1);
	/* Positions count characters, not bytes. */
	refused("\xc3\xa9t\xc3\xa9 nett:x", "unknown key \"nett\" at 5", 5);
}
END_TEST

START_TEST(limits_are_errors)
{
	char big[FILTER_MAX_INPUT + 2];
	char many[FILTER_MAX_TERMS * 3 + 8] = "";
	struct filter *f;
	struct pl_error err;

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pl_error_init(&err);
	ck_assert_int_ne(filter_parse(big, &f, &err), 0);
	pl_error_clear(&err);
	for (int i = 0; i <= FILTER_MAX_TERMS; i++)
		strcat(many, "a ");
	ck_assert_int_ne(filter_parse(many, &f, &err), 0);
	ck_assert(strstr(err.message, "more than 32 terms") != NULL);
	pl_error_clear(&err);
}
END_TEST

/* text renders as want, and want parses back to itself. */
static void
renders(const char *text, const char *want)
{
	struct filter *f, *g;
	struct pl_error err;
	char *r, *r2;

	pl_error_init(&err);
	ck_assert_int_eq(filter_parse(text, &f, &err), 0);
	r = filter_render(f);
	ck_assert_str_eq(r, want);
	ck_assert_int_eq(filter_parse(r, &g, &err), 0);
	r2 = filter_render(g);
	ck_assert_str_eq(r2, r);
	ck_assert_uint_eq(filter_terms(g), filter_terms(f));
	free(r);
	free(r2);
	filter_free(f);
	filter_free(g);
}

START_TEST(canonical_rendering)
{
	renders("", "");
	renders("  NET:203.0.113.9/24   alice ",
	        "net:203.0.113.0/24 \"alice\"");
	renders("net:1.2.3.4", "net:1.2.3.4/32");
	renders("net:2001:DB8:0:0:1::/48", "net:2001:db8::/48");
	renders("ip:::ffff:10.0.0.1", "ip:10.0.0.1");
	renders("!Domain:Example.ORG status:held", "!domain:example.org "
	                                           "status:pending");
	renders("rule:\"a b\" rule:x:y \"q\\\"\\\\\"",
	        "rule:\"a b\" rule:x:y \"q\\\"\\\\\"");
	renders("flag:FAST shape:o1a3", "flag:fast shape:o1a3");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("language");

	tcase_add_test(tc, networks_and_addresses);
	tcase_add_test(tc, domains_match_subdomains);
	tcase_add_test(tc, shapes_flags_rules_status);
	tcase_add_test(tc, free_text_and_combinations);
	tcase_add_test(tc, errors_name_the_position);
	tcase_add_test(tc, limits_are_errors);
	tcase_add_test(tc, canonical_rendering);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
