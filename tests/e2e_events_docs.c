/* docs/protocol.md's Events table against a real padlined: the suite drives
 * every method that publishes an event and reads the schema's channel;
 * every action the table lists must arrive, every action that arrives must
 * be in the table, and each subject must have the members its row
 * documents (an explicit `{...}` exactly, or an object of the Objects
 * chapter: members of it, id always). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

#define NEW_PASSWORD "N3w-Passw0rd-42!"

/* What a row of the table says an action's subject is. */
struct doc_event {
	char action[64];
	json_t *shapes; /* array of key sets (objects used as sets) */
	int subset;     /* an Objects entry: members may be left out */
	int seen;
};

/* The top-level member names of a documented shape at s ("{a, b?, c:
 * {d}}"), as an object used as a set. */
static json_t *
shape_keys(const char *s)
{
	json_t *set = json_object();
	const char *name = NULL;
	int depth = 0, in_value = 0;

	for (const char *p = s; *p; p++) {
		int boundary = !(isalnum((unsigned char)*p) || *p == '_');

		if (name && (boundary || depth != 1)) {
			char *k = strndup(name, (size_t)(p - name));

			json_object_set_new(set, k, json_true());
			free(k);
			name = NULL;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				break;
		} else if (depth == 1 && *p == ',')
			in_value = 0;
		else if (depth == 1 && *p == ':')
			in_value = 1;
		else if (depth == 1 && !in_value && !boundary && !name)
			name = p;
	}
	return set;
}

/* The shape of "- NAME: `{...}`" in the Objects chapter. */
static json_t *
object_keys(const char *doc, const char *name)
{
	char *line = NULL;
	const char *p;

	ck_assert_int_gt(asprintf(&line, "\n- %s: `{", name), 0);
	p = strstr(doc, line);
	ck_assert_msg(p != NULL, "docs/protocol.md: no Objects entry \"%s\"",
	              name);
	p += strlen(line) - 1;
	free(line);
	return shape_keys(p);
}

/* The Events table: "| `action` | published by | subject |" rows. */
static struct doc_event *
read_table(const char *doc, size_t *n)
{
	const char *p = strstr(doc, "\n## Events\n"), *end;
	struct doc_event *v = NULL;

	*n = 0;
	ck_assert_msg(p != NULL, "docs/protocol.md: no \"## Events\"");
	p = strstr(p, "\n| action | published by | subject |\n");
	ck_assert_msg(p != NULL, "docs/protocol.md: no events table");
	p = strchr(p + 1, '\n') + 1; /* the header */
	p = strchr(p, '\n') + 1;     /* the |---| line */
	for (; *p == '|'; p = end + 1) {
		struct doc_event *e;
		const char *a = strstr(p, "| `"), *subject, *q;

		end = strchr(p, '\n');
		ck_assert_ptr_nonnull(end);
		v = realloc(v, (*n + 1) * sizeof *v);
		e = &v[(*n)++];
		memset(e, 0, sizeof *e);
		ck_assert_msg(a == p, "events table row: %.60s", p);
		sscanf(a + 3, "%63[a-z_.]", e->action);
		subject = p;
		for (int bars = 0; bars < 3 && subject < end; subject++)
			bars += *subject == '|';
		e->shapes = json_array();
		for (q = subject; (q = strstr(q, "`{")) != NULL && q < end; q++)
			json_array_append_new(e->shapes, shape_keys(q + 1));
		if (json_array_size(e->shapes) > 0)
			continue;
		e->subset = 1;
		if (strncmp(subject, " user object", 12) == 0)
			json_array_append_new(e->shapes,
			                      object_keys(doc, "user"));
		else if (strncmp(subject, " invitation", 11) == 0)
			json_array_append_new(e->shapes,
			                      object_keys(doc, "invitation"));
		else
			ck_abort_msg("%s: cannot read the subject \"%.*s\"",
			             e->action, (int)(end - subject), subject);
	}
	ck_assert_uint_gt(*n, 10);
	return v;
}

/* Whether subject's members fit shape: the same set, or (subset) members
 * of it including id. */
static int
fits(const json_t *subject, json_t *shape, int subset)
{
	const char *k;
	json_t *val;

	json_object_foreach ((json_t *)subject, k, val) {
		if (json_object_get(shape, k) == NULL)
			return 0;
	}
	if (subset)
		return json_object_get(subject, "id") != NULL;
	return json_object_size(subject) == json_object_size(shape);
}

/* A published event against the table; marks its row seen. */
static void
check_event(struct doc_event *v, size_t n, const json_t *ev)
{
	const char *action = json_string_value(json_object_get(ev, "action"));
	const json_t *subject = json_object_get(ev, "subject");
	char *text = json_dumps(ev, JSON_COMPACT);

	ck_assert_msg(action && json_is_object(subject), "event: %s", text);
	for (size_t i = 0; i < n; i++) {
		int ok = 0;

		if (strcmp(v[i].action, action) != 0)
			continue;
		for (size_t s = 0; s < json_array_size(v[i].shapes); s++)
			ok |= fits(subject, json_array_get(v[i].shapes, s),
			           v[i].subset);
		ck_assert_msg(ok,
		              "docs/protocol.md documents another subject "
		              "for %s than padlined publishes: %s",
		              action, text);
		v[i].seen = 1;
		free(text);
		return;
	}
	ck_abort_msg("padlined publishes %s, which docs/protocol.md's Events "
	             "table does not list: %s",
	             action, text);
}

/* The response's result (borrowed from *keep, which the caller frees);
 * fails the test on an error. */
static json_t *
ok(struct ts_client *c, const char *method, json_t *params, json_t **keep)
{
	json_t *r = ts_call(c, method, params);
	char *text = r ? json_dumps(r, JSON_COMPACT) : strdup("(none)");

	ck_assert_msg(r && ts_result(r), "%s: %s", method, text);
	free(text);
	json_decref(*keep);
	*keep = r;
	return ts_result(r);
}

static char *
str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	ck_assert_msg(v != NULL, "no \"%s\"", key);
	return strdup(v);
}

/* Sign-ins: failed (a known and an unknown name), another session
 * revoked, the password changed, TOTP on, a recovery code used, TOTP off
 * (with a recovery code). */
static void
drive_account(struct ts_client *c)
{
	struct ts_client *other = ts_client_connect(tenv.srv.port);
	json_t *keep = NULL, *res, *codes;
	struct ts_totp_secret secret;
	char code[8], *b32, *sid = NULL;

	ck_assert_int_eq(ts_login(other, "docuser", "Wr0ng-Passw0rd!"), -1);
	ck_assert_int_eq(ts_login(other, "nobody_docs", "Wr0ng-Passw0rd!"), -1);
	ck_assert_int_eq(ts_login(other, "docuser", TS_PASSWORD), 0);
	res = ok(c, "session.list", NULL, &keep);
	for (size_t i = 0;
	     i < json_array_size(json_object_get(res, "sessions")); i++) {
		json_t *s = json_array_get(json_object_get(res, "sessions"), i);

		if (!json_is_true(json_object_get(s, "current")))
			sid = str_of(s, "id");
	}
	ck_assert_ptr_nonnull(sid);
	ok(c, "session.revoke", json_pack("{s:s}", "id", sid), &keep);
	free(sid);
	ok(c, "user.change_password",
	   json_pack("{s:s, s:s}", "current_password", TS_PASSWORD,
	             "new_password", NEW_PASSWORD),
	   &keep);
	b32 = str_of(ok(c, "user.totp_begin", NULL, &keep), "secret");
	ts_totp_decode(b32, &secret);
	free(b32);
	ts_totp_code_at(&secret, ts_totp_step_now(), code);
	codes = json_incref(json_object_get(
	    ok(c, "user.totp_enable", json_pack("{s:s}", "code", code), &keep),
	    "recovery_codes"));
	/* Wrong secrets where a signed-in user confirms one. */
	ck_assert_int_eq(
	    ts_call_code(c, "user.change_password",
	                 json_pack("{s:s, s:s}", "current_password",
	                           "Wr0ng-Passw0rd!", "new_password",
	                           TS_PASSWORD)),
	    401);
	ck_assert_int_eq(
	    ts_call_code(c, "session.reauth",
	                 json_pack("{s:s}", "password", "Wr0ng-Passw0rd!")),
	    401);
	ck_assert_int_eq(
	    ts_call_code(c, "user.totp_disable",
	                 json_pack("{s:s, s:s}", "password", "Wr0ng-Passw0rd!",
	                           "code", "000000")),
	    401);
	ts_client_free(other);
	other = ts_client_connect(tenv.srv.port);
	ok(other, "session.login",
	   json_pack("{s:s, s:s, s:O}", "username", "docuser", "password",
	             NEW_PASSWORD, "totp", json_array_get(codes, 0)),
	   &keep);
	ok(c, "user.totp_disable",
	   json_pack("{s:s, s:O}", "password", NEW_PASSWORD, "code",
	             json_array_get(codes, 1)),
	   &keep);
	json_decref(codes);
	free(secret.raw);
	json_decref(keep);
	ts_client_free(other);
}

/* A pad through its life: created, updated, restored, shared, unshared,
 * deleted. */
static void
drive_pads(struct ts_client *c)
{
	json_t *keep = NULL, *res;
	char *id, *bid;

	res = ok(c, "pad.create",
	         json_pack("{s:s, s:{s:i}}", "display_name", "doc pad", "data",
	                   "a", 1),
	         &keep);
	id = str_of(json_object_get(res, "pad"), "id");
	ok(c, "pad.update",
	   json_pack("{s:s, s:{s:i}}", "id", id, "data", "a", 2), &keep);
	res = ok(c, "pad.backups", json_pack("{s:s}", "id", id), &keep);
	bid = str_of(json_array_get(json_object_get(res, "backups"), 0), "id");
	ok(c, "pad.restore",
	   json_pack("{s:s, s:s}", "id", id, "backup_id", bid), &keep);
	ok(c, "pad.share",
	   json_pack("{s:s, s:s}", "id", id, "username", "docadm"), &keep);
	ok(c, "pad.unshare",
	   json_pack("{s:s, s:s}", "id", id, "username", "docadm"), &keep);
	ok(c, "pad.delete", json_pack("{s:s}", "id", id), &keep);
	ok(c, "pad.undelete", json_pack("{s:s}", "id", id), &keep);
	ok(c, "pad.delete", json_pack("{s:s}", "id", id), &keep);
	ok(c, "pad.purge", json_pack("{s:s}", "id", id), &keep);
	free(bid);
	free(id);
	json_decref(keep);
}

/* Administration: an invitation revoked, a user synced twice (created,
 * updated), disabled (updated) and deleted. */
static void
drive_admin(struct ts_client *admin)
{
	const char *uid = "6f1c2b9e-1d2a-4c1e-9a7b-2f4e8c9d0a11";
	json_t *keep = NULL, *res, *sync;
	char *inv;

	ok(admin, "invitation.create", NULL, &keep);
	res = ok(admin, "invitation.list", NULL, &keep);
	inv = str_of(json_array_get(json_object_get(res, "invitations"), 0),
	             "id");
	ok(admin, "invitation.revoke", json_pack("{s:s}", "id", inv), &keep);
	free(inv);
	sync = json_pack("{s:s, s:s}", "id", uid, "username", "docsync");
	ok(admin, "user.sync", json_deep_copy(sync), &keep);
	ok(admin, "user.sync", sync, &keep);
	ok(admin, "user.update",
	   json_pack("{s:s, s:b}", "id", uid, "disabled", 1), &keep);
	ok(admin, "user.delete", json_pack("{s:s}", "id", uid), &keep);
	json_decref(keep);
}

/* Signup defense: rules put and deleted, a signup held then approved, one
 * refused, one matched by a shadow rule (and every test signup is a fast
 * fill: an alarm), a bulk action and its undo. */
static void
drive_signup(struct ts_client *admin)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *keep = NULL, *r, *res;
	json_int_t rid;
	char *held;

	ok(admin, "rule.put",
	   json_pack("{s:s, s:s, s:s, s:s}", "name", "docs-shadow", "when",
	             "shape:a7", "action", "block", "mode", "shadow"),
	   &keep);
	ok(admin, "rule.put",
	   json_pack("{s:s, s:s, s:s}", "name", "docs-hold", "when", "shape:a7",
	             "action", "hold"),
	   &keep);
	res = ok(admin, "rule.put",
	         json_pack("{s:s, s:s, s:s}", "name", "docs-block", "when",
	                   "shape:a8", "action", "block"),
	         &keep);
	rid = json_integer_value(
	    json_object_get(json_object_get(res, "rule"), "id"));
	r = ts_register_fresh(c, "docheld", TS_PASSWORD, NULL);
	held = str_of(json_object_get(ts_result(r), "user"), "id");
	json_decref(r);
	json_decref(ts_register_fresh(c, "docblock", TS_PASSWORD, NULL));
	ok(admin, "user.approve", json_pack("{s:[s]}", "ids", held), &keep);
	ok(admin, "rule.delete", json_pack("{s:I}", "id", rid), &keep);
	/* A bulk action and its undo: one event each (a name of another
	 * shape than the hold rule's). */
	json_decref(ts_register_fresh(c, "docwave2", TS_PASSWORD, NULL));
	res = ok(
	    admin, "user.bulk",
	    json_pack("{s:s, s:s}", "filter", "docwave2", "action", "disable"),
	    &keep);
	ok(admin, "user.bulk_undo",
	   json_pack("{s:O}", "batch_id", json_object_get(res, "batch_id")),
	   &keep);
	free(held);
	json_decref(keep);
	ts_client_free(c);
}

START_TEST(published_events_match_the_table)
{
	char *path = NULL, *doc;
	struct doc_event *v;
	redisContext *sub = ts_event_subscribe(tenv.schema);
	struct ts_client *c, *admin;
	long long end, total, got = 0;
	PGconn *db;
	size_t n;

	ck_assert_int_gt(asprintf(&path, "%s/docs/protocol.md",
	                          getenv("PADLINE_SOURCE_DIR")),
	                 0);
	doc = ts_file_read(path);
	v = read_table(doc, &n);
	ck_assert_ptr_nonnull(sub);
	admin = ts_env_admin(&tenv, "docadm"); /* padlined create-user */
	ck_assert_ptr_nonnull(admin);
	c = ts_client_connect(tenv.srv.port);
	json_decref(ts_register_fresh(c, "docuser", TS_PASSWORD, NULL));
	ck_assert_int_eq(ts_login(c, "docuser", TS_PASSWORD), 0);
	drive_account(c);
	drive_pads(c);
	drive_admin(admin);
	drive_signup(admin);
	/* Every audit row the run wrote is published: read them all, then
	 * no more will come. */
	db = ts_db_connect(tenv.schema);
	total = ts_db_count(db,
	                    "SELECT count(*) FROM audit_log WHERE audit_only "
	                    "IS NOT TRUE",
	                    0, NULL);
	PQfinish(db);
	end = ts_now_ms() + TS_PATIENCE_MS;
	while (got < total) {
		json_t *ev = ts_event_next(sub, NULL, end);

		ck_assert_msg(ev != NULL, "%lld of %lld events arrived", got,
		              total);
		check_event(v, n, ev);
		json_decref(ev);
		got++;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(v[i].seen,
		              "docs/protocol.md lists %s, which padlined did "
		              "not publish for the methods it names",
		              v[i].action);
	for (size_t i = 0; i < n; i++)
		json_decref(v[i].shapes);
	free(v);
	free(doc);
	free(path);
	ts_client_free(c);
	ts_client_free(admin);
	redisFree(sub);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "evdoc"};

int
main(void)
{
	Suite *s = suite_create("e2e_events_docs");
	TCase *tc = tcase_create("evdoc");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, published_events_match_the_table);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
