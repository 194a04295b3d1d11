/*
 * The operator's actions and drill-downs on the admin screens (Dashboard,
 * Users): a bulk action on what a filter matches and its undo, a block
 * rule made from a row, an account's timeline, a network's attempts, and
 * the export of the rows a screen shows. Each is a small flow of dialogs
 * or a pushed view in its own file; the screens only bind keys to them.
 */
#ifndef PL_TUI_ACT_H
#define PL_TUI_ACT_H

#include <jansson.h>

struct app;

/* X (bulk_flow.c): asks the action (disable, approve, reject; enable
 * too when with_enable), sends user.bulk as a dry run on filter, shows the
 * count and up to 10 usernames, asks once, then runs it and says how many
 * accounts changed. A stale session is asked for the password inline. An
 * empty filter only says that a filter is needed. */
void bulk_flow_start(struct app *, const char *filter, int with_enable);
/* u: undoes this session's last bulk action (user.bulk_undo) and says how
 * many accounts came back (or that it is undone already). */
void bulk_flow_undo(struct app *);

/* b (block_flow.c): a rule that blocks the email domain or the network
 * of account user_id's signup (asks which, then shadow or enforce; the
 * rule's name is derived and shown), sent with rule.put. */
void block_flow_start(struct app *, const char *user_id, const char *username);

/* Enter (timeline.c): pushes the timeline of account user_id: its
 * registration attempt, sign-ins and changes (user.timeline). */
void timeline_push(struct app *, const char *user_id, const char *username);

/* N (attempts.c): pushes the attempts of user_id's network (looked up
 * from its registration attempt). */
void attempts_push_network(struct app *, const char *user_id);
/* Pushes the attempts view for a filter expression (signup.attempts). */
void attempts_push(struct app *, const char *filter);

/* e (export_flow.c): asks the format and the path, writes rows (stolen:
 * an array of objects) as CSV with columns or as JSON lines, and says how
 * many rows it wrote; what names them in the messages ("signups"). */
void export_flow_start(struct app *, json_t *rows, const char *const *columns,
                       const char *what);

#endif
