/*
 * A queue that is fair across sources: one FIFO per source key, the sources
 * with waiting items served round-robin. A source that had nothing waiting
 * goes first, once (fq_codel's "new flows"), so a peer with one login
 * waits for a free slot, not behind a storm's backlog; a source that still
 * has items after its turn joins the round of backlogged ones. Hash
 * admission uses it per peer network. Loop thread only.
 */
#ifndef PL_FAIR_QUEUE_H
#define PL_FAIR_QUEUE_H

#include <stddef.h>

/* Embedded in the queued object (intrusive: queueing never allocates per
 * item); the owner gets it back with its own offsetof. */
struct fairq_item {
	struct fairq_item *next;
};

struct fairq_source;
struct fairq {
	struct fairq_source *bucket[256]; /* sources with waiting items */
	struct fairq_source *fresh;       /* sources new to the queue, FIFO */
	struct fairq_source *fresh_tail;
	struct fairq_source *ring; /* backlogged sources: next to serve */
	size_t waiting;            /* items in all sources */
};

void fairq_init(struct fairq *);
/* Appends item to its source's FIFO (the source joins the round behind the
 * others if it had nothing waiting). key is copied, cut at 63 bytes. */
void fairq_push(struct fairq *, const char *key, struct fairq_item *);
/* The next item round-robin across sources, or NULL when empty. */
struct fairq_item *fairq_pop(struct fairq *);
/* Frees the sources still queued (not their items). */
void fairq_free(struct fairq *);

/* The fairness key for a peer address: its network, IPv4 /24 or IPv6 /64,
 * since one attacker rarely holds a single address but usually holds a
 * single block. Writes at most size bytes into out. */
void fairq_peer_key(const char *peer, char *out, size_t size);

#endif
