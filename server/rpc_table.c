/*
 * The method table: name → entry. Adding a method adds one extern and one
 * line here; the dispatcher never changes. A linear scan: the table is small.
 */
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

extern const struct rpc_method rpc_server_hello;
extern const struct rpc_method rpc_server_health;

static const struct rpc_method *const rpc_table[] = {
    &rpc_server_health,
    &rpc_server_hello,
};

const struct rpc_method *
rpc_method_find(const char *name)
{
	for (size_t i = 0; i < sizeof rpc_table / sizeof rpc_table[0]; i++)
		if (strcmp(rpc_table[i]->name, name) == 0)
			return rpc_table[i];
	return NULL;
}
