/*
 * Screen models in plain C (no curses): what the views draw and the keys
 * change, so the rules (filtering, paging, checklist, chart, de-dup) are
 * tested without a terminal.
 */
#ifndef PL_TUI_MODELS_H
#define PL_TUI_MODELS_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "filter.h"
#include "pl_error.h"
#include "validate.h"

/* ---- list with filter, selection and paging (model_pads.c) ---- */
struct list_model {
	json_t *items;           /* owned array of objects */
	const char *const *keys; /* string members the filter matches */
	char filter[128];
	size_t *vis; /* indices into items that pass the filter */
	size_t nvis;
	size_t sel;  /* index into vis */
	size_t top;  /* first visible row */
	size_t page; /* rows on screen (>= 1) */
	const char
	    *sort_key; /* member sorted by (static string), NULL: as given */
	int sort_desc;
	int counted; /* the screen draws its own position counter, not
	                list_draw */
};

void list_init(struct list_model *, const char *const *keys);
void list_free(struct list_model *);
/* Steals arr; keeps the selection on the item with the same "id". */
void list_set_items(struct list_model *, json_t *arr);
void list_set_filter(struct list_model *, const char *filter);
/* Sorts by a string member (case-insensitive; ISO times sort by time),
 * descending if desc, ties by id; kept for later list_set_items. key must
 * be a static string. Keeps the selection on the same item. */
void list_sort(struct list_model *, const char *key, int desc);
void list_set_page(struct list_model *, size_t rows);
void list_move(struct list_model *, long delta); /* clamps */
void list_page_move(struct list_model *, int pages);
/* n / N after a search: selects the next (dir 1) or previous (-1) row
 * after the selection, around the end, where a member named in keys
 * (NULL-terminated) holds q (text_matches); 0 when no other row does. */
int list_find(struct list_model *, const char *const *keys, const char *q,
              int dir);
void list_home(struct list_model *);
void list_end(struct list_model *);
/* Borrowed; NULL when the (filtered) list is empty. */
json_t *list_selected(const struct list_model *);
json_t *list_row(const struct list_model *, size_t vis_index);
/* A string member or "" (never NULL). */
const char *jstr(json_t *obj, const char *key);
/* 1 when a user object's roles hold role (or, for "admin", is_admin). */
int user_has_role(json_t *user, const char *role);
/* Case-insensitive substring test used by every filter. */
int text_matches(const char *text, const char *needle);
/* "2026-11-25T19:30:00.123Z" -> "2026-11-25 19:30:00" */
void short_time(const char *iso, char *buf, size_t size);
/* A backup's time member (created_at or a synonym), "?" if none. */
const char *backup_time(json_t *backup);
/* "1.2 KiB" style size of a pad's data (JSON length). */
void pad_size_text(json_t *pad, char *buf, size_t size);

/* ---- login (model_login.c) ---- */
struct login_model {
	char username[128];
	char password[PASSWORD_MAX + 1];
	char error[320];
	char flash[128];
	int server_down; /* the last attempt could not reach the server */
	/* The password was right and the account has TOTP on: the form asks
	 * for the code (or a recovery code) and logs in again with it. */
	int totp_step;
	char totp[64];
};

void login_model_init(struct login_model *);
/* Turns a failed session.login / server.hello into what the form shows. */
void login_model_apply_error(struct login_model *, const struct pl_error *);
/* session.login params for what the form holds (new reference). */
json_t *login_model_params(const struct login_model *);
/* Back from the code to the password (Esc, or signed in). */
void login_model_reset_totp(struct login_model *);
/* 1 when a failed call means the session itself is gone (signed out,
 * ended, expired), 0 for any other error (a 401 reauth_required too). */
int session_lost(const struct pl_error *);
/* What the sign-in screen says after that (static text). */
const char *session_lost_text(const struct pl_error *);

/* ---- register (model_register.c) ---- */
enum reg_field {
	REG_USERNAME,
	REG_EMAIL,
	REG_PASSWORD,
	REG_CONFIRM,
	REG_INVITATION,
	REG_NFIELDS
};

struct reg_rule {
	char id[32];
	char message[128];
	int known; /* id maps to a local rule (so it can be checked live) */
	enum password_rule rule;
};

/* The server's password policy as a live checklist: the register form and
 * the Account screen's change of password show the same one. */
struct pw_checklist {
	struct reg_rule rules[16];
	int nrules;
};

/* The local rules (before server.hello says otherwise). */
void pw_checklist_init(struct pw_checklist *);
/* Takes password_policy from a server.hello result (kept if it has none). */
void pw_checklist_set_hello(struct pw_checklist *, json_t *hello);
/* 1 satisfied by password, 0 violated, -1 unknown rule (not checkable). */
int pw_checklist_ok(const struct pw_checklist *, int i, const char *password);

struct reg_model {
	char field[REG_NFIELDS][PASSWORD_MAX + 1];
	char err[REG_NFIELDS][256]; /* server or local error shown by a field */
	char general[320];          /* an error that belongs to no field */
	struct pw_checklist policy;
	int invite; /* registration is by invitation */
	int closed; /* registration is closed */
};

/* Focus order of the form: the fields in use, then the two buttons;
 * fills order (room for 8), returns how many. */
enum { REG_FOCUS_CREATE = 100, REG_FOCUS_BACK = 101 };
int reg_focus_order(const struct reg_model *, int *order);
void reg_model_init(struct reg_model *);
/* Takes password_policy and registration from a server.hello result. */
void reg_model_set_hello(struct reg_model *, json_t *hello);
/* 1 satisfied, 0 violated, -1 unknown rule (cannot check locally). */
int reg_rule_ok(const struct reg_model *, int i);
/* NULL when the username is acceptable, else why not (static text). */
const char *reg_username_feedback(const struct reg_model *);
int reg_confirm_ok(const struct reg_model *);
/* Local checks before submitting; fills err[]; returns 0 if submittable. */
int reg_model_check(struct reg_model *);
void reg_model_clear_errors(struct reg_model *);
/* Puts a user.register error next to its field(s). */
void reg_model_apply_error(struct reg_model *, const struct pl_error *);
/* Params for user.register (new reference). */
json_t *reg_model_params(const struct reg_model *, const char *form_token);

/* ---- account (model_account.c) ---- */
enum acct_field {
	ACCT_CURRENT, /* change of password: the current one */
	ACCT_NEW,
	ACCT_CONFIRM,
	ACCT_NFIELDS
};

struct acct_pw_model {
	char field[ACCT_NFIELDS][PASSWORD_MAX + 1];
	char err[ACCT_NFIELDS][256];
	char general[320];
	struct pw_checklist policy;
};

/* Empty fields (wiped: they held passwords); the policy stays. */
void acct_pw_clear(struct acct_pw_model *);
/* Local checks before user.change_password; fills err[]; 0 if sendable. */
int acct_pw_check(struct acct_pw_model *);
json_t *acct_pw_params(const struct acct_pw_model *);
/* A failed user.change_password in words, next to its field. Returns 1
 * when the error is the form's (else it is the app's: a lost session). */
int acct_pw_apply_error(struct acct_pw_model *, const struct pl_error *);

/* A failed TOTP call (begin, enable, disable) in words; returns 1 when
 * it is the form's (else the app's: a lost session). */
int acct_totp_error(const struct pl_error *, char *buf, size_t size);
/* The typed code with spaces dropped; 0 when it is 6 digits. */
int acct_totp_code(const char *typed, char *out, size_t size);
/* One session.list row: created, last used, peer, this one marked. */
void acct_session_text(json_t *session, char *buf, size_t size);
/* One account.activity event as a line: when, and what in words. */
void acct_activity_text(json_t *event, char *buf, size_t size);
/* What happened since the sign-in before this one, in words ("2 failed
 * sign-ins from 203.0.113.7; password changed"), from account.activity's
 * events (newest first, the newest session.login being this sign-in).
 * Returns 1 when there is anything to say, else 0 (buf ""). */
int acct_activity_summary(json_t *events, char *buf, size_t size);

/* ---- dashboard (model_dash.c) ---- */
#define DASH_MINUTES 60
#define DASH_RING 1024 /* the table scrolls back through 1000+ */
#define SEEN_MAX 8192  /* event keys remembered for de-dup */

/* The last SEEN_MAX event keys: a FIFO for eviction and an open-addressing
 * table (0 = empty) for lookups. Zeroed = empty. */
struct seen_set {
	long long fifo[SEEN_MAX];
	size_t head, n;
	long long table[SEEN_MAX * 2];
};

/* Remembers a key; returns 0 if new, -1 if already seen. */
int seen_add(struct seen_set *, long long key);
/* 1 for an event not seen before (remembered now), 0 for a duplicate (live
 * and backfill overlap, or a republish), -1 for an event without an id. */
int event_is_new(struct seen_set *, json_t *event);

struct dash_signup {
	long long event_id;
	char id[40];
	char username[68];
	char email[128];
	char at_text[24]; /* "2026-11-25 19:30:00" */
	int totp;
	time_t at;
	/* What the signup defense saw (the event's subject.signup; ""/-1/0
	 * when not known, as for a row from user.list). */
	char network[SIGNUP_NETWORK_MAX];
	long fill_ms;
	unsigned flags;            /* enum filter_flag bits */
	enum filter_status status; /* from the user object */
};

struct dash_model {
	struct dash_signup ring[DASH_RING];
	size_t head, n; /* ring: head = next write */
	struct seen_set seen;
	long long max_id; /* highest event id seen: events.since after */
	long total, last_hour, last_24h;
	unsigned long events, duplicates;
};

void dash_init(struct dash_model *);
/* The totals of a user.stats result. */
void dash_set_stats(struct dash_model *, json_t *stats);
/* Returns 1 for a new user.created, 0 for another new event (a user's
 * deletion takes its row away, a change to a listed user redraws it), -1
 * for a duplicate id (ignored) or an event without an id. */
int dash_add_event(struct dash_model *, json_t *event);
/* The i-th newest signup (0 = newest) or NULL. */
const struct dash_signup *dash_signup_at(const struct dash_model *, size_t i);
/* The de-dup key of an event: its id mixed with its subject's id. */
long long dash_event_key(long long id, json_t *subject);
/* Remembers an id; returns 0 if new, -1 if already seen. */
int dash_seen(struct dash_model *, long long id);
/* RFC 3339 UTC to time_t; -1 if unparsable. */
time_t rfc3339_parse(const char *s);
/* Fills a signup from a user object (event subject or user.list row). */
void dash_signup_from_user(struct dash_signup *, json_t *user);
/* What a signup.attempts entry says of its account's row (network, fill
 * time, flags), for rows from user.list that do not know it. */
void dash_signup_attempt(struct dash_model *, json_t *attempt);
/* The filter record of a signup (filter.h): its network stands for its
 * address (the events carry no single address), written to addr. */
void dash_signup_record(const struct dash_signup *, struct filter_record *,
                        char addr[SIGNUP_NETWORK_MAX]);
/* Network text ("203.0.113.0/24") to its first address in addr; 0, or -1
 * when text is no network. */
int net_first_address(const char *text, char addr[SIGNUP_NETWORK_MAX]);

/* ---- JSON text (json_pretty.c) ---- */
/* Pretty-printed (2-space indent, keys in order), malloc'd. */
char *json_pretty(json_t *);
/* Splits text into lines: *lines malloc'd array of malloc'd strings. */
size_t text_split_lines(const char *text, char ***lines);
void text_lines_free(char **lines, size_t n);
/* Parses edited pad data: must be a JSON object. On failure returns NULL
 * and writes "line L, column C: reason" into msg. */
json_t *json_parse_pad(const char *text, char *msg, size_t msgsz);

#endif
