/*
 * The filter language operators use to pick signups and accounts, shared by
 * padlined (lists, rules, bulk actions) and the clients (live streams):
 * parse once into a compiled filter, then match plain records. The grammar
 * is in docs/protocol.md, "Filter language"; the keys it matches (shape,
 * network) are signup_key.h's.
 */
#ifndef PL_FILTER_H
#define PL_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "pl_error.h"
#include "signup_key.h"

#define FILTER_MAX_INPUT 4096 /* bytes of one expression */
#define FILTER_MAX_TERMS 32

/* What a detector noticed about a signup (flag:NAME). */
enum filter_flag {
	FILTER_FLAG_FAST = 1u << 0,       /* form filled too fast */
	FILTER_FLAG_DISPOSABLE = 1u << 1, /* email at a disposable domain */
	FILTER_FLAG_BREACHED = 1u << 2,   /* password in a breach list */
};

/* An account's state (status:NAME; "held" is another name for pending). */
enum filter_status {
	FILTER_STATUS_NONE, /* not known: matches no status term */
	FILTER_STATUS_ACTIVE,
	FILTER_STATUS_PENDING, /* held for approval */
	FILTER_STATUS_DISABLED,
	FILTER_STATUS_REJECTED,
};

/* One record to match; every pointer may be NULL (then its terms fail,
 * and their negations match). Nothing here is owned by the filter. */
struct filter_record {
	const char *username;
	const char *email;
	const char *peer;  /* IPv4 or IPv6 address text */
	const char *shape; /* NULL: computed from username */
	unsigned flags;    /* enum filter_flag bits */
	enum filter_status status;
	const char *const *rules; /* names of the rules that matched */
	size_t nrules;
};

struct filter;

/*
 * Compiles text (NUL-terminated). On error returns PL_ERR_INVALID_PARAMS
 * with reason "bad_filter", a message naming the 1-based character position
 * (`unknown key "nett" at 1`) and data.position; *out stays NULL. An empty
 * or all-blank text is a filter that matches everything.
 */
int filter_parse(const char *text, struct filter **out, struct pl_error *err);
void filter_free(struct filter *);
bool filter_match(const struct filter *, const struct filter_record *);
/* Number of terms (0 for the match-everything filter). */
size_t filter_terms(const struct filter *);
/* The canonical text of f (keys and domains lowercased, networks masked,
 * free text quoted); parsing it gives the same filter. Caller frees. */
char *filter_render(const struct filter *);
/* The flag named name ("fast", any case), 0 for none; and the name of one
 * flag bit, NULL for none. The names flag: takes. */
unsigned filter_flag_bit(const char *name);
const char *filter_flag_name(unsigned bit);
/* The status named name ("pending", "held", ...), FILTER_STATUS_NONE for
 * none. */
enum filter_status filter_status_of(const char *name);

#endif
