/*
 * The request path's share of server.stats, without the noise of a loaded
 * machine: nanoseconds per stats_request_done (what every request pays on
 * the loop thread), for the first and the last method of the table.
 *   bench_stats_hook [CALLS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "pl_error.h"
#include "rpc.h"
#include "stats.h"
#include "mono_time.h"

int
main(int argc, char **argv)
{
	long long calls = argc > 1 ? atoll(argv[1]) : 10000000;
	struct stats *st = stats_new();
	struct pl_error ok, bad;
	size_t last = rpc_method_count() - 1;

	pl_error_init(&ok);
	pl_error_init(&bad);
	pl_error_set(&bad, PL_ERR_CONFLICT, "name_taken", "x");
	for (size_t which = 0; which <= last; which += last) {
		const struct rpc_method *m = rpc_method_at(which);
		long long t0 = mono_us();

		for (long long i = 0; i < calls; i++)
			stats_request_done(st, m, i % 10 ? &ok : &bad,
			                   t0 - 1500);
		printf("%-14s (table entry %2zu of %zu): %.1f ns per request\n",
		       m->name, which + 1, last + 1,
		       (mono_us() - t0) * 1000.0 / (double)calls);
		if (last == 0)
			break;
	}
	stats_free(st);
	return 0;
}
