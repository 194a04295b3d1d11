/*
 * Round-robin over per-source FIFOs (fair_queue.h). A source exists only
 * while it has waiting items: it lives in a hash bucket (to find it on
 * push) and either on the fresh list (not served yet) or in the circular
 * ring of backlogged sources; O(1) per push and pop.
 */
#include "fair_queue.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct fairq_source {
	struct fairq_source *next_bucket;
	struct fairq_source *next_ring, *prev_ring;
	struct fairq_item *head, *tail;
	char key[64];
};

void
fairq_init(struct fairq *q)
{
	memset(q, 0, sizeof *q);
}

static struct fairq_source **
fairq_slot(struct fairq *q, const char *key)
{
	unsigned h = 2166136261u; /* FNV-1a */
	struct fairq_source **p;

	for (const char *s = key; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	p = &q->bucket[h % (sizeof q->bucket / sizeof q->bucket[0])];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next_bucket;
	return p;
}

void
fairq_push(struct fairq *q, const char *key, struct fairq_item *item)
{
	char k[64];
	struct fairq_source **p, *src;

	snprintf(k, sizeof k, "%s", key);
	p = fairq_slot(q, k);
	if ((src = *p) == NULL) {
		src = xcalloc(1, sizeof *src);
		memcpy(src->key, k, sizeof src->key);
		*p = src;
		if (q->fresh_tail)
			q->fresh_tail->next_ring = src;
		else
			q->fresh = src;
		q->fresh_tail = src;
	}
	item->next = NULL;
	if (src->tail)
		src->tail->next = item;
	else
		src->head = item;
	src->tail = item;
	q->waiting++;
}

/* Puts src last in the round of backlogged sources. */
static void
fairq_ring_append(struct fairq *q, struct fairq_source *src)
{
	if (q->ring == NULL) {
		src->next_ring = src->prev_ring = src;
		q->ring = src;
		return;
	}
	src->next_ring = q->ring;
	src->prev_ring = q->ring->prev_ring;
	src->prev_ring->next_ring = src;
	q->ring->prev_ring = src;
}

static void
fairq_ring_remove(struct fairq *q, struct fairq_source *src)
{
	if (src->next_ring == src) {
		q->ring = NULL;
		return;
	}
	src->prev_ring->next_ring = src->next_ring;
	src->next_ring->prev_ring = src->prev_ring;
	q->ring = src->next_ring;
}

struct fairq_item *
fairq_pop(struct fairq *q)
{
	struct fairq_source *src, **p;
	struct fairq_item *item;
	int fresh = q->fresh != NULL;

	if (fresh) {
		src = q->fresh;
		if ((q->fresh = src->next_ring) == NULL)
			q->fresh_tail = NULL;
	} else if ((src = q->ring) == NULL) {
		return NULL;
	}
	item = src->head;
	src->head = item->next;
	item->next = NULL;
	q->waiting--;
	if (src->head) {
		/* Served once: last in the round of backlogged sources. */
		if (fresh)
			fairq_ring_append(q, src);
		else
			q->ring = src->next_ring;
		return item;
	}
	if (src->tail == item)
		src->tail = NULL;
	if (!fresh)
		fairq_ring_remove(q, src);
	p = fairq_slot(q, src->key);
	*p = src->next_bucket;
	free(src);
	return item;
}

void
fairq_free(struct fairq *q)
{
	for (size_t i = 0; i < sizeof q->bucket / sizeof q->bucket[0]; i++)
		while (q->bucket[i]) {
			struct fairq_source *s = q->bucket[i];

			q->bucket[i] = s->next_bucket;
			free(s);
		}
	fairq_init(q);
}

void
fairq_peer_key(const char *peer, char *out, size_t size)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];
	const char *dot = strrchr(peer, '.');

	/* IPv4, also as an IPv4-mapped IPv6 address: drop the last octet. */
	if (dot) {
		snprintf(out, size, "%.*s", (int)(dot - peer), peer);
		return;
	}
	if (inet_pton(AF_INET6, peer, a) == 1) {
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, buf, sizeof buf)) {
			snprintf(out, size, "%s/64", buf);
			return;
		}
	}
	snprintf(out, size, "%s", peer);
}
