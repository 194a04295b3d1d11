/*
 * Connections per peer address, so one address cannot take every slot of
 * max_connections (issue: 1 030 idle connections from one host locked
 * everyone else out). Exact address strings; IPv6 hosts are counted per
 * address, not per prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_conn.h"
#include "xalloc.h"

struct peer_count {
	struct peer_count *next;
	int n;
	char addr[64];
};

static struct peer_count **
peers_slot(struct peer_table *t, const char *addr)
{
	unsigned h = 2166136261u; /* FNV-1a */
	struct peer_count **p;

	for (const char *s = addr; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	p = &t->bucket[h % (sizeof t->bucket / sizeof t->bucket[0])];
	while (*p && strcmp((*p)->addr, addr) != 0)
		p = &(*p)->next;
	return p;
}

int
peers_add(struct peer_table *t, const char *addr)
{
	struct peer_count **p = peers_slot(t, addr);

	if (*p == NULL) {
		*p = xcalloc(1, sizeof **p);
		snprintf((*p)->addr, sizeof(*p)->addr, "%s", addr);
	}
	return ++(*p)->n;
}

void
peers_remove(struct peer_table *t, const char *addr)
{
	struct peer_count **p = peers_slot(t, addr), *gone;

	if (*p == NULL || --(*p)->n > 0)
		return;
	gone = *p;
	*p = gone->next;
	free(gone);
}

void
peers_free(struct peer_table *t)
{
	for (size_t i = 0; i < sizeof t->bucket / sizeof t->bucket[0]; i++)
		while (t->bucket[i]) {
			struct peer_count *p = t->bucket[i];

			t->bucket[i] = p->next;
			free(p);
		}
}
