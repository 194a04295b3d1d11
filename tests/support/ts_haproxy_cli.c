/*
 * ts_haproxy: what tsupport_haproxy.c does for the C suites, for the shell
 * ones (tests/tui_scaleout_test.sh): the shipped dist/haproxy.cfg with a
 * test's addresses, the servers' states from "show stat", and runtime API
 * commands. One config writer and one reader of "show stat" for both.
 *
 *   ts_haproxy config OUT SOCK LB_PORT PORT...   write the configuration
 *   ts_haproxy status SOCK NAME                  UP, DOWN, MAINT... of NAME
 *   ts_haproxy command SOCK COMMAND              the runtime API's answer
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static int
usage(void)
{
	fprintf(stderr, "usage: ts_haproxy config OUT SOCK LB_PORT PORT...\n"
	                "       ts_haproxy status SOCK NAME\n"
	                "       ts_haproxy command SOCK COMMAND\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct ts_haproxy h;

	if (argc < 4)
		return usage();
	memset(&h, 0, sizeof h);
	if (strcmp(argv[1], "config") == 0 && argc >= 6) {
		int n = argc - 5, ports[16];

		if (n > 16)
			return usage();
		for (int i = 0; i < n; i++)
			ports[i] = atoi(argv[5 + i]);
		return ts_haproxy_write_config(argv[2], argv[3], atoi(argv[4]),
		                               ports, n) == 0
		           ? 0
		           : 1;
	}
	snprintf(h.sock, sizeof h.sock, "%s", argv[2]);
	if (strcmp(argv[1], "status") == 0 && argc == 4) {
		struct ts_haproxy_server sv[16];
		int n = ts_haproxy_servers(&h, sv, 16);

		for (int i = 0; i < n; i++)
			if (strcmp(sv[i].name, argv[3]) == 0) {
				printf("%s\n", sv[i].status);
				return 0;
			}
		return 1;
	}
	if (strcmp(argv[1], "command") == 0 && argc == 4) {
		char *out = ts_haproxy_command(&h, argv[3]);

		if (out == NULL)
			return 1;
		fputs(out, stdout);
		free(out);
		return 0;
	}
	return usage();
}
