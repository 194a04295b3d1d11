/*
 * The view stack (docs/architecture.md, "The TUI"): what the user sees is a
 * stack of views. The screen of the current tab is the bottom; a sub-view
 * (a pad's backups, a user's detail, the two-factor set-up) or a dialog is
 * pushed on it and popped when done. The top view gets the keys through its
 * own key table; the help page and the status line are generated from that
 * table. A view knows nothing of the views beneath it.
 */
#ifndef PL_TUI_VIEW_H
#define PL_TUI_VIEW_H

#include <jansson.h>
#include <stddef.h>

#include "rpc_client.h"

struct app;
struct view;

/* One line of a view's key table: the key (term.h codes), what it does
 * for that view (the view's own enum; 0 is "no action"), or'ed with
 * BIND_ACTS when the key changes something, and its help text. help
 * NULL: another key for the entry above (listed with it). A table ends
 * with {0}. */
struct binding {
	int key;
	int action;
	const char *help;
	const char *
	    hint; /* its short name on the status line (NULL: help page only) */
};

/* A key that acts: it writes (or starts the editor). A read-only console
 * (readonly.h) leaves it out of the hints and the help, and refuses it
 * before the view hears of it. */
#define BIND_ACTS (1 << 20)

/* The action of key in table b, without BIND_ACTS (0: none). */
int binding_action(const struct binding *b, int key);
/* Whether b is shown (hints, help) and works: not a key that acts on a
 * read-only console. */
int binding_shown(const struct binding *b);
/* Whether an entry of table before b binds b's key: b never fires (the
 * first wins, as the dashboard's Space before the list keys' page down),
 * so the help and the man page leave it out. */
int binding_shadowed(const struct binding *table, const struct binding *b);

/* A table keys_now picks in another mode, named for the man page's KEYS
 * section ("a search kept"). A list of them ends with {0}. */
struct key_mode {
	const char *name;
	const struct binding *keys;
};

/* What a kind of view does; one const instance per kind. */
struct view_ops {
	const char *name;  /* for the title bar (NULL: the screen's) */
	const char *about; /* the help page's first lines (NULL: none) */
	const struct binding *keys; /* the key table */
	/* Optional: the table for the view's current mode. */
	const struct binding *(*keys_now)(struct view *);
	/* Optional: the tables keys_now returns besides keys (the man page
	 * lists them). */
	const struct key_mode *modes;
	/* Optional: 1 while printable keys go to a text field (the status
	 * line then leaves out the global letter keys). */
	int (*typing)(struct view *);
	void (*draw)(struct view *, int rows, int cols);
	/* action: the table's action for key, 0 when the table has none (a
	 * text field's typing). Returns 1 when used; 0 leaves the key to the
	 * global table (Tab, digits, ? help, L sign out). */
	int (*key)(struct view *, int action, int key);
	/* Optional: a live event (app_live's feed; borrowed for the call) or
	 * NULL when the feed's mode changed. It must not push or pop views
	 * (an answer it asks for may). */
	void (*on_event)(struct view *, json_t *event);
	/* Optional: releases what the view holds (not the view itself). */
	void (*free)(struct view *);
	/* A dialog: drawn over the views beneath, which keep the status
	 * line; every key is its own (none reaches the global table). */
	int modal;
	/* Owned by someone else (a screen lives as long as the app): the
	 * stack never frees it. */
	int resident;
};

/* The head of every view: a kind's struct starts with it. */
struct view {
	const struct view_ops *ops;
	struct app *app;
	int refs;   /* the stack's and the calls' in flight (view_call) */
	int popped; /* off the stack: answers for it are dropped */
	/* Bumped by every push: which showing of the view a flow's call was
	 * made in (a screen is popped and pushed again with its tab). */
	unsigned long shown;
};

#define VIEW_DEPTH 16

struct view_stack {
	struct view *v[VIEW_DEPTH]; /* v[0] the screen, v[n - 1] the top */
	size_t n;
};

/* Allocates a view of size bytes (a kind's struct, zeroed) with its ops;
 * view_push hands it to the stack. */
void *view_new(size_t size, const struct view_ops *, struct app *);
/* Pushes v (the stack owns it from now on, unless resident). A full stack
 * is a programming error. */
void view_push(struct view_stack *, struct view *v);
/* Takes the top view off the stack without freeing it (NULL: empty);
 * view_release frees it (a dialog answers after it is off the stack, so
 * its callback may push the next one). */
struct view *view_take(struct view_stack *);
void view_release(struct view *);
/* Keeps v allocated (not shown) until a matching view_release: for a
 * callback that is not a view_call's. */
void view_hold(struct view *);
/* Pops and frees the top view. */
void view_pop(struct view_stack *);
/* Pops v and every view above it; 0 when v is not on the stack. */
int view_close(struct view_stack *, struct view *v);
/* Pops down to depth n (n 1: the screen alone). */
void view_pop_to(struct view_stack *, size_t n);
struct view *view_top(const struct view_stack *);
/* The topmost view that is not modal (whose keys the status line shows). */
struct view *view_base(const struct view_stack *);
/* The view's key table now. */
const struct binding *view_keys(struct view *);
int view_typing(struct view *);
/*
 * Gives key to the top view through its key table. Returns 1 when the
 * view used it or is modal (no key gets past a dialog); 0 leaves it to
 * the global table.
 */
int view_stack_key(struct view_stack *, int key);
/* What a frame shows: the view at this index and the dialogs above it
 * (the topmost view that is not modal; 0 when all are). */
size_t view_base_index(const struct view_stack *);

/* rpc_send on behalf of v: cb runs only while v is still on the stack (a
 * view popped meanwhile never hears the answer, and stays allocated until
 * it comes). ud is cb's, usually v. */
void view_call(struct view *v, struct rpc_client *, const char *method,
               json_t *params, rpc_cb cb, void *ud);

/* Ends a flow that will not hear its answer (frees ud). */
typedef void (*view_drop_fn)(void *ud);

/* view_call for a step of a flow (a chain of dialogs and calls) that v
 * started: cb runs only while v is shown as it was when the call went out,
 * so an answer never opens the flow's next dialog, or says how it went,
 * over a screen the user went to meanwhile (a screen included: it stays
 * allocated, but leaving its tab ends its flows); otherwise drop(ud) runs,
 * and the flow ends silently. */
void view_flow_call(struct view *v, struct rpc_client *, const char *method,
                    json_t *params, rpc_cb cb, void *ud, view_drop_fn drop);

#endif
