/*
 * The outbox: audit_emit, and the wiring from a connection's commit to the
 * publisher thread (db_conn's event sink) and of the relay's state into
 * struct padlined. The only code besides events*.c that knows the publisher.
 */
#include "outbox.h"

#include <stdlib.h>

#include "app.h"
#include "db_pool.h"
#include "events.h"
#include "events_publisher.h"
#include "json_write.h"
#include "repo_audit.h"

json_t *
audit_details_new(json_t *subject, json_t *details)
{
	json_t *row = json_object();

	if (details)
		json_object_update(row, details);
	json_object_set_new(row, "subject",
	                    subject ? json_incref(subject) : json_object());
	return row;
}

void
audit_emit(struct db_conn *db, const char *action, const char *actor_id,
           json_t *subject, json_t *details)
{
	json_t *row = audit_details_new(subject, details),
	       *id = json_object_get(subject, "id");
	struct pl_error err;

	/* Queued with the rest of the transaction; its failure is the
	 * transaction's, which db_tx_commit returns. */
	pl_error_init(&err);
	db_tx_batch(db);
	repo_audit_insert(db, action, actor_id,
	                  json_is_string(id) ? json_string_value(id) : NULL,
	                  row, &err);
	pl_error_clear(&err);
	json_decref(row);
}

char *
audit_subject_text(const char *id, const char *display_name,
                   const char *owner_id)
{
	struct json_write w = {0};

	/* audit_emit's {"subject": subject}, members in their order. */
	json_write_lit(&w, "{\"subject\":{\"id\":");
	json_write_str(&w, id);
	json_write_lit(&w, ",\"display_name\":");
	json_write_str(&w, display_name);
	json_write_lit(&w, ",\"owner_id\":");
	json_write_str(&w, owner_id);
	json_write_lit(&w, "}}");
	return json_write_take(&w, NULL);
}

void
audit_emit_named(struct db_conn *db, const char *action, const char *actor_id,
                 const char *id, const char *display_name, const char *owner_id)
{
	char *text = audit_subject_text(id, display_name, owner_id);
	struct pl_error err;

	/* As audit_emit: the transaction's failure, if it fails. */
	pl_error_init(&err);
	db_tx_batch(db);
	repo_audit_insert_text(db, action, actor_id, id, text, &err);
	pl_error_clear(&err);
	free(text);
}

void
audit_emit_quiet(struct db_conn *db, const char *action, const char *actor_id,
                 json_t *subjects, json_t *details)
{
	struct pl_error err;

	if (json_array_size(subjects) == 0)
		return;
	pl_error_init(&err);
	db_tx_batch(db);
	repo_audit_insert_quiet(db, action, actor_id, subjects, details, &err);
	pl_error_clear(&err);
}

/* The connection's post-commit hook: a committed event, to the thread. */
static void
outbox_sink(void *arg, long long id, const char *event)
{
	events_publisher_push(arg, id, event);
}

int
outbox_open(struct padlined *app, struct pl_error *err)
{
	events_script_init();
	app->relay = events_relay_new(app->rds, app->stats,
	                              app->cfg->events_channel, app->events_sk);
	/* Its only failure is pthread_create's, which it logs. */
	app->events = events_publisher_new(
	    app->rds, app->stats, app->relay, app->cfg->events_channel,
	    app->events_sk, app->cfg->events_gather_ms);
	if (app->events == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot start the events publisher thread");
	db_pool_set_event_sink(app->db, outbox_sink, app->events);
	return 0;
}

void
outbox_attach(struct padlined *app, struct db_conn *db)
{
	if (db != NULL && app->events != NULL)
		db_conn_set_event_sink(db, outbox_sink, app->events);
}

void
outbox_close(struct padlined *app)
{
	struct pl_error err;
	struct db_conn *db;

	/* Send what is queued, then mark what was published, or the next
	 * relay would publish it again. */
	db_pool_set_event_sink(app->db, NULL, NULL);
	events_publisher_free(app->events);
	app->events = NULL;
	pl_error_init(&err);
	if (app->relay != NULL && db_pool_borrow(app->db, &db, &err) == 0) {
		events_relay_flush(app->relay, db);
		db_pool_return(app->db, db);
	}
	pl_error_clear(&err);
	events_relay_free(app->relay);
	app->relay = NULL;
}
