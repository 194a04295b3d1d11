/*
 * The Held screen's model (model_console.h): a live event against the
 * list of pending accounts, and the texts of a bulk action on them.
 */
#include "model_console.h"

#include <stdio.h>
#include <string.h>

#include "xalloc.h"

/* Removes the row of id from l; 1 when there was one. */
static int
held_remove(struct list_model *l, const char *id)
{
	json_t *keep = json_array(), *row;
	size_t i;
	int found = 0;

	json_array_foreach (l->items, i, row) {
		if (strcmp(jstr(row, "id"), id) == 0)
			found = 1;
		else
			json_array_append(keep, row);
	}
	if (found)
		list_set_items(l, keep);
	else
		json_decref(keep);
	return found;
}

enum held_change
held_apply_event(struct list_model *l, json_t *ev)
{
	const char *action = jstr(ev, "action");
	json_t *subject = json_object_get(ev, "subject");

	if (strcmp(action, "user.held") == 0 ||
	    strcmp(action, "user.bulk") == 0 ||
	    strcmp(action, "user.bulk_undone") == 0)
		return HELD_RELOAD;
	/* Approved or rejected elsewhere (one by one), disabled or gone. */
	if ((strcmp(action, "user.deleted") == 0 ||
	     (strcmp(action, "user.updated") == 0 &&
	      strcmp(jstr(subject, "status"), "pending") != 0)) &&
	    held_remove(l, jstr(subject, "id")))
		return HELD_REMOVED;
	return HELD_NONE;
}

char *
held_bulk_filter(const char *filter)
{
	return xasprintf("status:held%s%s", filter && *filter ? " " : "",
	                 filter ? filter : "");
}

void
held_sample_text(json_t *sample, long long count, char *buf, size_t size)
{
	json_t *u;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach (sample, i, u) {
		if (i == 3)
			break;
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		         i ? ", " : "", jstr(u, "username"));
		n++;
	}
	if (count > (long long)n)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%lld more",
		         n ? " and " : "", count - (long long)n);
}
