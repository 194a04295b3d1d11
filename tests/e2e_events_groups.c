/*
 * How padlined groups the events it signs, end to end (real padlined, Redis,
 * PostgreSQL): a burst of creates from several clients goes out in mostly
 * full signed groups, /metrics counts the events and the groups that went
 * out, and an event alone is still published, in a group of its own.
 * The gather is a second here (PADLINE_EVENTS_GATHER_MS), not the default
 * 20 ms: however slowly a loaded machine commits the burst, eight of its
 * events come within a second, so the count of groups says how the
 * publisher groups, never how fast this machine is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define CLIENTS 8
#define PER_CLIENT 8
#define BURST (CLIENTS * PER_CLIENT)
#define SIG_HEX 128

static char schema[64];
static struct ts_server srv;
static int mport;

static void
setup(void)
{
	static const char *const env[] = {"PADLINE_EVENTS_GATHER_MS=1000",
	                                  NULL};

	ts_unique_schema("evgroups", schema, sizeof schema);
	mport = ts_server_start_metrics(&srv, schema, env);
	ck_assert_int_eq(ts_create_user(schema, "alice", TS_PASSWORD, 0), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	ts_db_drop_schema(schema);
}

/* A signed message of the channel as it came: its group (signature) and
 * how many events that group says it holds. */
struct seen {
	char sig[SIG_HEX + 1];
	size_t group;
};

/* The next pad.created message before end_ms into *out; 0, or -1 when
 * none came. Messages that do not verify are not pad.created's. */
static int
next_created(redisContext *sub, long long end_ms, struct seen *out)
{
	while (ts_now_ms() < end_ms) {
		long long left = end_ms - ts_now_ms();
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		redisReply *r = NULL;
		json_t *ev = NULL;
		int found = 0;

		redisSetTimeout(sub, tv);
		if (redisGetReply(sub, (void **)&r) != REDIS_OK || r == NULL)
			return -1;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			ev = ts_event_open(r->element[2]->str,
			                   r->element[2]->len);
		if (ev != NULL &&
		    strcmp(json_string_value(json_object_get(ev, "action")),
		           "pad.created") == 0) {
			/* es1.<signature>.<hashes>.<event>, checked above */
			const char *sig = r->element[2]->str + 4;
			const char *end = strchr(sig + SIG_HEX + 1, '.');

			memcpy(out->sig, sig, SIG_HEX);
			out->sig[SIG_HEX] = '\0';
			out->group = (size_t)(end - (sig + SIG_HEX + 1)) / 64;
			found = 1;
		}
		json_decref(ev);
		freeReplyObject(r);
		if (found)
			return 0;
	}
	return -1;
}

/* padlined's event counters once everything it committed is on the
 * channel and marked so: nothing more is on its way to them. */
struct counts {
	double events, groups, relayed;
};

static void
counters(PGconn *db, struct counts *c)
{
	char *text;

	ck_assert_int_eq(ts_db_wait_count(db,
	                                  "SELECT count(*) FROM audit_log "
	                                  "WHERE published_at IS NULL",
	                                  0, NULL, 0, TS_PATIENCE_MS),
	                 0);
	text = ts_metrics_scrape(mport);
	c->events = ts_metrics_sample(text, "padline_events_published_total");
	c->groups = ts_metrics_sample(text, "padline_event_groups_total");
	c->relayed = ts_metrics_sample(text, "padline_events_relayed_total");
	ck_assert_msg(c->events >= 0 && c->groups >= 0 && c->relayed >= 0,
	              "no event counters in:\n%s", text);
	free(text);
}

/* Eight clients send eight creates each at once: however their commits
 * spread out, the publisher waits for whole groups, so a signature covers
 * eight of them. (Sending what had gathered a millisecond after the first
 * event, this burst went out in 13 to 28 groups.) */
START_TEST(burst_goes_out_in_full_groups)
{
	struct ts_client *c[CLIENTS];
	redisContext *sub = ts_event_subscribe(schema);
	PGconn *db = ts_db_connect(schema);
	struct seen seen[BURST];
	struct counts before, after;
	size_t distinct = 0;

	ck_assert_ptr_nonnull(sub);
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = ts_client_connect(srv.port);
		ck_assert_int_eq(ts_login(c[i], "alice", TS_PASSWORD), 0);
	}
	counters(db, &before);
	for (int i = 0; i < CLIENTS; i++) {
		char lines[PER_CLIENT * 160];
		size_t len = 0;

		for (int j = 0; j < PER_CLIENT; j++)
			len += (size_t)snprintf(
			    lines + len, sizeof lines - len,
			    "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			    "\"pad.create\",\"params\":{\"display_name\":"
			    "\"burst %d-%d\"}}\n",
			    100 + j, i, j);
		ck_assert_int_eq(ts_client_send_raw(c[i], lines, len), 0);
	}
	for (int i = 0; i < CLIENTS; i++)
		for (int j = 0; j < PER_CLIENT; j++) {
			char *line =
			    ts_client_read_line(c[i], TS_PATIENCE_MS, NULL);

			ck_assert_msg(line && strstr(line, "\"result\""),
			              "pad.create: %s", line ? line : "none");
			free(line);
		}
	for (int n = 0; n < BURST; n++) {
		int known = 0;

		ck_assert_msg(next_created(sub, ts_now_ms() + TS_PATIENCE_MS,
		                           &seen[n]) == 0,
		              "%d of %d pad.created events came", n, BURST);
		for (int k = 0; k < n && !known; k++)
			known = strcmp(seen[k].sig, seen[n].sig) == 0;
		distinct += !known;
	}
	/* Each signature said how many it covered: they all came. */
	for (int n = 0; n < BURST; n++) {
		size_t same = 0;

		for (int k = 0; k < BURST; k++)
			same += strcmp(seen[k].sig, seen[n].sig) == 0;
		ck_assert_uint_eq(same, seen[n].group);
	}
	/* All of them from the publisher thread, counted as they went. */
	counters(db, &after);
	ck_assert_msg(after.events - before.events == BURST,
	              "%g events counted for the burst of %d",
	              after.events - before.events, BURST);
	ck_assert_msg(after.groups - before.groups == (double)distinct,
	              "%g groups counted, %zu on the channel",
	              after.groups - before.groups, distinct);
	ck_assert_msg(after.relayed == before.relayed, "%g events relayed",
	              after.relayed - before.relayed);
	/* Eight full groups; ten leaves room for a commit stalled a whole
	 * second, twice, which splits a group each time. */
	ck_assert_msg(distinct <= 10,
	              "%d events in %zu signed groups (%.1f per group)", BURST,
	              distinct, (double)BURST / (double)distinct);
	for (int i = 0; i < CLIENTS; i++)
		ts_client_free(c[i]);
	PQfinish(db);
	redisFree(sub);
}
END_TEST

/* With nothing after it, an event does not wait for a group to fill: it
 * goes out alone. */
START_TEST(event_alone_is_published)
{
	struct ts_client *c = ts_client_connect(srv.port);
	redisContext *sub = ts_event_subscribe(schema);
	PGconn *db = ts_db_connect(schema);
	struct seen one;
	struct counts before, after;

	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(ts_login(c, "alice", TS_PASSWORD), 0);
	/* The sign-in's event is out: nothing else is queued. */
	counters(db, &before);
	ts_pad_create(c, "alone", NULL);
	ck_assert_int_eq(next_created(sub, ts_now_ms() + TS_PATIENCE_MS, &one),
	                 0);
	ck_assert_uint_eq(one.group, 1);
	/* Sent by the publisher thread, not left for the relay to find. */
	counters(db, &after);
	ck_assert(after.events - before.events == 1);
	ck_assert_msg(after.relayed == before.relayed,
	              "the event waited for the relay");
	ts_client_free(c);
	PQfinish(db);
	redisFree(sub);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_events_groups");
	TCase *tc = tcase_create("groups");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, burst_goes_out_in_full_groups);
	tcase_add_test(tc, event_alone_is_published);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
