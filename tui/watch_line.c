/*
 * What `padline watch` prints for an event: a signup (user.created) or an
 * alarm (signup.alarm), as text, a JSON line or a CSV record, and whether
 * the --filter expression matches it, with what the event carries.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "models.h"
#include "signup_key.h"
#include "term_safe.h"
#include "watch.h"
#include "xalloc.h"

/* The columns of --format csv: a signup fills the user's, an alarm the
 * rule's. */
static const char *const csv_columns[] = {
    "event_id",     "at",   "type", "id",    "username", "email",    "status",
    "totp_enabled", "rule", "key",  "count", "window_s", "user_ids", NULL};

/* A username shape ("a5d4"): runs of a, d or o, each with its length. */
static int
is_shape(const char *s)
{
	if (!*s)
		return 0;
	while (*s) {
		if (!strchr("ado", *s) || !isdigit((unsigned char)s[1]))
			return 0;
		for (s++; isdigit((unsigned char)*s); s++)
			;
	}
	return 1;
}

/* The user object of a signup event. */
static json_t *
event_user(json_t *ev)
{
	json_t *u = json_object_get(ev, "subject");

	return json_object_get(u, "user") ? json_object_get(u, "user") : u;
}

static int
is_action(json_t *ev, const char *action)
{
	return strcmp(jstr(ev, "action"), action) == 0;
}

/*
 * Whether f matches the event, from what the event carries. A signup is
 * its row on the dashboard (dash_signup_record): username, email, status,
 * the shape of its username and what the signup defense saw (subject.signup:
 * its network for net:, its flags); no rules. An alarm is its rule (rule:)
 * and its key: a network as that network's first address (net:), a domain
 * as an email at it (domain:), or a shape (shape:).
 */
static bool
event_matches(json_t *ev, const struct filter *f)
{
	struct filter_record rec = {0};
	const char *rule, *key;
	char addr[SIGNUP_NETWORK_MAX], *email = NULL;
	bool m;

	if (!f)
		return true;
	if (is_action(ev, "user.created")) {
		struct dash_signup su = {0};

		dash_signup_from_user(&su, event_user(ev));
		dash_signup_record(&su, &rec, addr);
		return filter_match(f, &rec);
	}
	rule = jstr(json_object_get(ev, "subject"), "rule");
	key = jstr(json_object_get(ev, "subject"), "key");
	rec.rules = &rule;
	rec.nrules = 1;
	if (net_first_address(key, addr) == 0) {
		rec.peer = addr;
	} else if (is_shape(key)) {
		rec.shape = key;
	} else if (*key) {
		email = xasprintf("@%s", key);
		rec.email = email;
	}
	m = filter_match(f, &rec);
	free(email);
	return m;
}

/* The event as one flat object (new reference): the members of a JSON
 * line and the cells of a CSV record. */
static json_t *
event_row(json_t *ev, int alarm)
{
	json_t *row =
	    json_pack("{s:I, s:s, s:s}", "event_id",
	              (json_int_t)json_integer_value(json_object_get(ev, "id")),
	              "type", alarm ? "alarm" : "user", "at", jstr(ev, "at"));
	json_t *s = json_object_get(ev, "subject"), *u;

	if (alarm) {
		json_t *a = json_pack(
		    "{s:s, s:s, s:O?, s:O?, s:O?}", "rule", jstr(s, "rule"),
		    "key", jstr(s, "key"), "count", json_object_get(s, "count"),
		    "window_s", json_object_get(s, "window_s"), "user_ids",
		    json_object_get(s, "user_ids"));

		json_object_update(row, a);
		json_decref(a);
		return row;
	}
	u = event_user(ev);
	/* RFC 3339 with its zone, as the server wrote it. */
	if (json_is_string(json_object_get(u, "created_at")))
		json_object_set(row, "at", json_object_get(u, "created_at"));
	json_object_set_new(row, "id", json_string(jstr(u, "id")));
	json_object_set_new(row, "username", json_string(jstr(u, "username")));
	json_object_set_new(row, "email",
	                    json_is_string(json_object_get(u, "email"))
	                        ? json_string(jstr(u, "email"))
	                        : json_null());
	json_object_set_new(
	    row, "status",
	    json_string(jstr(u, "status")[0] ? jstr(u, "status") : "active"));
	json_object_set_new(
	    row, "totp_enabled",
	    json_boolean(json_is_true(json_object_get(u, "totp_enabled"))));
	return row;
}

static char *
text_line(json_t *row, int alarm)
{
	if (alarm)
		return xasprintf(
		    "%s  ALARM  %s  %s  %lld in %lld s  users: %zu",
		    jstr(row, "at"), jstr(row, "rule"), jstr(row, "key"),
		    (long long)json_integer_value(
		        json_object_get(row, "count")),
		    (long long)json_integer_value(
		        json_object_get(row, "window_s")),
		    json_array_size(json_object_get(row, "user_ids")));
	return xasprintf(
	    "%s  %s  %s  %s  2FA:%s%s", jstr(row, "at"), jstr(row, "id"),
	    jstr(row, "username"),
	    jstr(row, "email")[0] ? jstr(row, "email") : "-",
	    json_is_true(json_object_get(row, "totp_enabled")) ? "yes" : "no",
	    strcmp(jstr(row, "status"), "pending") == 0 ? "  HELD" : "");
}

char *
watch_event_line(json_t *ev, enum watch_format fmt, const struct filter *f,
                 int alarms_only)
{
	int alarm = is_action(ev, "signup.alarm");
	json_t *row;
	char *line, *safe;

	if (!alarm && (alarms_only || !is_action(ev, "user.created")))
		return NULL;
	if (!event_matches(ev, f))
		return NULL;
	row = event_row(ev, alarm);
	if (fmt == WATCH_TEXT)
		line = text_line(row, alarm);
	else
		line = export_line(fmt == WATCH_CSV ? EXPORT_CSV : EXPORT_JSONL,
		                   fmt == WATCH_CSV ? csv_columns : NULL, row);
	json_decref(row);
	/* jansson leaves DEL, C1 and bidi controls raw in its strings: the
	 * escaper writes them as \u escapes, which keeps the line JSON. */
	safe = term_safe_dup(line);
	free(line);
	return safe;
}

char *
watch_csv_header(void)
{
	return export_csv_header(csv_columns);
}
