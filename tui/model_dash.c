/*
 * The admin dashboard's numbers: the totals, a ring of the newest signups
 * with what the signup defense saw of each, and event de-dup by id (live Redis
 * messages and events.since backfill overlap; each id counts once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

void
dash_init(struct dash_model *d)
{
	memset(d, 0, sizeof *d);
}

time_t
rfc3339_parse(const char *s)
{
	struct tm tm;
	const char *rest;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof tm);
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		return -1;
	return timegm(
	    &tm); /* fractions and "Z" ignored: the server sends UTC */
}

static size_t
seen_slot(long long id)
{
	unsigned long long x = (unsigned long long)id * 0x9E3779B97F4A7C15ull;

	return (size_t)(x >> 32) % (SEEN_MAX * 2);
}

static void
seen_del(struct seen_set *ss, long long id)
{
	size_t n = SEEN_MAX * 2, i = seen_slot(id);

	while (ss->table[i] && ss->table[i] != id)
		i = (i + 1) % n;
	if (!ss->table[i])
		return;
	ss->table[i] = 0;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (size_t j = (i + 1) % n; ss->table[j]; j = (j + 1) % n) {
		size_t h = seen_slot(ss->table[j]);
		int move = i <= j ? (h <= i || h > j) : (h <= i && h > j);

		if (move) {
			ss->table[i] = ss->table[j];
			ss->table[j] = 0;
			i = j;
		}
	}
}

int
seen_add(struct seen_set *ss, long long id)
{
	size_t n = SEEN_MAX * 2, i = seen_slot(id);

	while (ss->table[i]) {
		if (ss->table[i] == id)
			return -1;
		i = (i + 1) % n;
	}
	if (ss->n == SEEN_MAX) { /* forget the oldest */
		seen_del(ss, ss->fifo[ss->head]);
		ss->n--;
		i = seen_slot(id);
		while (ss->table[i])
			i = (i + 1) % n;
	}
	ss->table[i] = id;
	ss->fifo[ss->head] = id;
	ss->head = (ss->head + 1) % SEEN_MAX;
	ss->n++;
	return 0;
}

int
event_is_new(struct seen_set *ss, json_t *ev)
{
	json_t *idv = json_object_get(ev, "id");
	long long id = json_integer_value(idv);

	if (!json_is_integer(idv) || id <= 0)
		return -1;
	return seen_add(ss, dash_event_key(id, json_object_get(ev, "subject")))
	           ? 0
	           : 1;
}

int
dash_seen(struct dash_model *d, long long id)
{
	return seen_add(&d->seen, id);
}

void
dash_set_stats(struct dash_model *d, json_t *stats)
{
	d->total = (long)json_integer_value(json_object_get(stats, "total"));
	d->last_hour =
	    (long)json_integer_value(json_object_get(stats, "last_hour"));
	d->last_24h =
	    (long)json_integer_value(json_object_get(stats, "last_24h"));
}

static void
copy_str(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* subject.signup {network, fill_ms, flags} of a registration's event. */
static void
signup_from_event(struct dash_signup *s, json_t *sig)
{
	json_t *f;
	size_t i;

	copy_str(s->network, sizeof s->network,
	         json_object_get(sig, "network"));
	s->fill_ms =
	    json_is_integer(json_object_get(sig, "fill_ms"))
	        ? (long)json_integer_value(json_object_get(sig, "fill_ms"))
	        : -1;
	s->flags = 0;
	json_array_foreach (json_object_get(sig, "flags"), i, f)
		s->flags |= filter_flag_bit(json_string_value(f));
}

int
net_first_address(const char *text, char addr[SIGNUP_NETWORK_MAX])
{
	struct netaddr net;
	char *slash;

	snprintf(addr, SIGNUP_NETWORK_MAX, "%s", text ? text : "");
	if (!(slash = strchr(addr, '/')) || netaddr_parse(text, true, &net))
		return -1;
	*slash = '\0';
	return 0;
}

void
dash_signup_record(const struct dash_signup *s, struct filter_record *rec,
                   char addr[SIGNUP_NETWORK_MAX])
{
	memset(rec, 0, sizeof *rec);
	rec->username = s->username;
	rec->email = s->email[0] ? s->email : NULL;
	rec->peer = net_first_address(s->network, addr) == 0 ? addr : NULL;
	rec->flags = s->flags;
	rec->status = s->status;
}

void
dash_signup_from_user(struct dash_signup *s, json_t *u)
{
	const char *at = json_string_value(json_object_get(u, "created_at"));
	struct tm tm;

	copy_str(s->id, sizeof s->id, json_object_get(u, "id"));
	copy_str(s->username, sizeof s->username,
	         json_object_get(u, "username"));
	copy_str(s->email, sizeof s->email, json_object_get(u, "email"));
	s->totp = json_is_true(json_object_get(u, "totp_enabled"));
	s->status =
	    filter_status_of(json_string_value(json_object_get(u, "status")));
	signup_from_event(s, json_object_get(u, "signup"));
	s->at = rfc3339_parse(at);
	if (s->at != (time_t)-1 && gmtime_r(&s->at, &tm))
		strftime(s->at_text, sizeof s->at_text, "%Y-%m-%d %H:%M:%S",
		         &tm);
	else
		s->at_text[0] = '\0';
}

/* The logical index (0 = newest) of the row of user id, or -1. */
static long
dash_find(const struct dash_model *d, const char *id)
{
	for (size_t i = 0; id && *id && i < d->n; i++)
		if (strcmp(
		        d->ring[(d->head + DASH_RING - 1 - i) % DASH_RING].id,
		        id) == 0)
			return (long)i;
	return -1;
}

void
dash_signup_attempt(struct dash_model *d, json_t *attempt)
{
	long k = dash_find(
	    d, json_string_value(json_object_get(attempt, "user_id")));
	struct dash_signup *s;

	if (k < 0)
		return;
	s = &d->ring[(d->head + DASH_RING - 1 - (size_t)k) % DASH_RING];
	if (!s->network[0])
		signup_from_event(s, attempt);
}

/* A row shows the user as they are now: a deleted user leaves the table,
 * a changed one (names, 2FA) is redrawn as changed. */
static void
dash_follow_user(struct dash_model *d, const char *action, json_t *user)
{
	long k = dash_find(d, json_string_value(json_object_get(user, "id")));
	struct dash_signup *s, keep;

	if (strcmp(action, "user.deleted") == 0) {
		if (k < 0)
			return;
		/* The newer rows move one slot down over the deleted one. */
		for (size_t j = (size_t)k; j > 0; j--)
			d->ring[(d->head + DASH_RING - 1 - j) % DASH_RING] =
			    d->ring[(d->head + DASH_RING - j) % DASH_RING];
		d->head = (d->head + DASH_RING - 1) % DASH_RING;
		d->n--;
		return;
	}
	if (k < 0 || strncmp(action, "user.", 5) != 0 ||
	    !json_is_string(json_object_get(user, "username")))
		return; /* not a user object (a failed login's {id}) */
	s = &d->ring[(d->head + DASH_RING - 1 - (size_t)k) % DASH_RING];
	keep = *s;
	dash_signup_from_user(s, user);
	/* When it signed up does not change. */
	s->event_id = keep.event_id;
	s->at = keep.at;
	memcpy(s->at_text, keep.at_text, sizeof s->at_text);
}

/*
 * The de-dup key is the id mixed with the subject's id: a true duplicate
 * (live + backfill, or a republish) has both equal, while events of another
 * deployment sharing the Redis channel (several schemas in tests) that
 * happen to have the same integer id are not mistaken for one.
 */
long long
dash_event_key(long long id, json_t *subject)
{
	const char *sid = json_string_value(json_object_get(subject, "id"));
	unsigned long long h = 1469598103934665603ull;

	if (json_object_get(subject, "user"))
		sid = json_string_value(
		    json_object_get(json_object_get(subject, "user"), "id"));
	for (; sid && *sid; sid++)
		h = (h ^ (unsigned char)*sid) * 1099511628211ull;
	h ^= (unsigned long long)id * 0x9E3779B97F4A7C15ull;
	return h ? (long long)(h >> 1) : 1;
}

int
dash_add_event(struct dash_model *d, json_t *ev)
{
	json_t *idv = json_object_get(ev, "id");
	long long id = json_integer_value(idv);
	const char *action = json_string_value(json_object_get(ev, "action"));
	json_t *subject = json_object_get(ev, "subject");
	struct dash_signup *s;

	if (!json_is_integer(idv) || id <= 0)
		return -1;
	if (dash_seen(d, dash_event_key(id, subject))) {
		d->duplicates++;
		return -1;
	}
	d->events++;
	if (id > d->max_id)
		d->max_id = id;
	if (json_object_get(subject, "user"))
		subject = json_object_get(subject, "user");
	if (action && strcmp(action, "user.created") != 0) {
		dash_follow_user(d, action, subject);
		return 0;
	}
	if (!action)
		return 0;
	s = &d->ring[d->head];
	memset(s, 0, sizeof *s);
	dash_signup_from_user(s, subject);
	s->event_id = id;
	if (s->at == (time_t)-1) {
		s->at =
		    rfc3339_parse(json_string_value(json_object_get(ev, "at")));
		if (s->at == (time_t)-1)
			s->at = time(NULL);
	}
	if (!s->at_text[0]) {
		struct tm tm;

		gmtime_r(&s->at, &tm);
		strftime(s->at_text, sizeof s->at_text, "%Y-%m-%d %H:%M:%S",
		         &tm);
	}
	d->head = (d->head + 1) % DASH_RING;
	if (d->n < DASH_RING)
		d->n++;
	d->total++;
	d->last_hour++;
	d->last_24h++;
	return 1;
}

const struct dash_signup *
dash_signup_at(const struct dash_model *d, size_t i)
{
	if (i >= d->n)
		return NULL;
	return &d->ring[(d->head + DASH_RING - 1 - i) % DASH_RING];
}
