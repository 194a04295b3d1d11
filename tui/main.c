/*
 * padline: the ncurses client and `padline watch`. Only argument parsing
 * lives here; everything else is in the pltui library.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "app_keys.h"
#include "filter.h"
#include "frames.h"
#include "protocol.h"
#include "readonly.h"
#include "state_dir.h"
#include "term_safe.h"
#include "transfer.h"
#include "trust.h"
#include "watch.h"
#include "xalloc.h"

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: padline [--server HOST:PORT] [--redis URL] [--ca FILE]\n"
	    "               [--trust FINGERPRINT] [--readonly]\n"
	    "               [--frames SCRIPT [--frames-size COLSxROWS]\n"
	    "                [--frames-log FILE]]\n"
	    "       padline watch [--filter EXPR] [--alarms-only] [--json]\n"
	    "                     [--format text|jsonl|csv] [--since ID]\n"
	    "                     [--server HOST:PORT] [--redis URL]\n"
	    "                     [--ca FILE] [--trust FP]\n"
	    "       padline export [--all] [--server HOST:PORT] > pads.jsonl\n"
	    "       padline import [--server HOST:PORT] FILE\n"
	    "       padline --help | --version | --keys-man\n"
	    "\n"
	    "The terminal client of padlined: sign in or register, manage "
	    "your\n"
	    "pads, and (administrators) watch signups live.\n"
	    "\n"
	    "  --server HOST:PORT  padlined address (env PADLINE_SERVER,\n"
	    "                      default " PL_DEFAULT_ADDR ")\n"
	    "                      tls://HOST:PORT for TLS: verified against\n"
	    "                      the system CAs or --ca; else padline shows\n"
	    "                      the SHA-256 fingerprint and asks before\n"
	    "                      pinning it in $XDG_STATE_HOME/padline/\n"
	    "                      known_servers, and refuses it if it changes\n"
	    "  --ca FILE           CA certificate(s) for tls:// (env PADLINE_CA)\n"
	    "  --trust FP          pin an unknown tls:// server without asking\n"
	    "                      if its fingerprint is FP (SHA256:hex, or\n"
	    "                      openssl's AB:CD:...); needed without a\n"
	    "                      terminal (env PADLINE_TLS_TRUST)\n"
	    "  --redis URL         Redis for live events, ideally a subscribe-\n"
	    "                      only user (env PADLINE_DASH_REDIS_URL,\n"
	    "                      default redis://127.0.0.1:6379); REDIS_URL\n"
	    "                      is padlined's and never read here;\n"
	    "                      redis+sentinel://HOST:PORT[,...]/MASTER\n"
	    "                      asks Sentinels for the master\n"
	    "  --frames SCRIPT     a testing aid: no terminal; the keys come\n"
	    "                      from SCRIPT (- for stdin) and its frame\n"
	    "                      lines print the screen as text with\n"
	    "                      attributes on stdout (see padline(1),\n"
	    "                      FRAMES); exit 1 when an expect fails\n"
	    "  --frames-size CxR   its screen size (default 80x24)\n"
	    "  --frames-log FILE   also write every frame drawn to FILE\n"
	    "  --filter EXPR       watch: only the events EXPR matches (the\n"
	    "                      filter language: net:CIDR ip:ADDR\n"
	    "                      domain:D shape:S flag:F rule:NAME\n"
	    "                      status:S, free text; ! negates a term)\n"
	    "  --alarms-only       watch: signup alarms only, no signups\n"
	    "  --format F          watch: text (default), jsonl (one JSON\n"
	    "                      object per line) or csv (a header, then\n"
	    "                      one RFC 4180 record per line)\n"
	    "  --json              watch: the same as --format jsonl (at: RFC "
	    "3339)\n"
	    "  --since ID          watch: start after that event id (from "
	    "the\n"
	    "                      JSON's event_id), not from now\n"
	    "  --readonly          a console that only watches (env\n"
	    "                      PADLINE_READONLY=1): only calls that\n"
	    "                      read are sent, the keys that change\n"
	    "                      something are hidden, no editor is started,\n"
	    "                      import is refused; for an SSH\n"
	    "                      ForceCommand (docs/operations.md)\n"
	    "  --all               export: also the pads shared with you\n"
	    "  --keys-man          print the man page's KEYS section (troff)\n"
	    "                      from the key tables\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n"
	    "\n");
	/* Two strings: C11 only promises 4095 characters in one. */
	fprintf(
	    f,
	    "watch prints one line per new user (time, id, username, email,\n"
	    "2FA) and per signup alarm (time, ALARM, rule, key, count, window,\n"
	    "users). A signup matches net: and flag: by the network and flags\n"
	    "its event carries; rule: terms match alarms only. It needs an\n"
	    "administrator: PADLINE_TOKEN, else the session padline saved for\n"
	    "that server, else it asks for a login on the terminal.\n"
	    "When Redis is unreachable it says why (once) and polls every 2 s;\n"
	    "when padlined is, it says so once and again when it answers.\n"
	    "\n"
	    "export writes your pads, each with its backups, as JSON lines\n"
	    "(--all adds the pads shared with you, without backups); import\n"
	    "reads such a file (- for stdin) into your account: new ids, a\n"
	    "name you already use gets \" (2)\", counts on stderr. import\n"
	    "checks every line first (a bad one is named, nothing is\n"
	    "imported) and removes what it imported if the server fails\n"
	    "part way. Both sign in with PADLINE_TOKEN, else padline's saved\n"
	    "session for the server.\n"
	    "Events must be signed with the key server.hello names (pinned\n"
	    "per server in known_servers on first sight): others are dropped\n"
	    "and counted, on stderr for watch and on the dashboard.\n"
	    "\n"
	    "Environment: PADLINE_SERVER, PADLINE_DASH_REDIS_URL, PADLINE_CA,\n"
	    "PADLINE_TLS_TRUST, PADLINE_TOKEN, PADLINE_READONLY (1 or 0),\n"
	    "PADLINE_BELL (off: no bell for a dashboard alarm),\n"
	    "EDITOR / VISUAL (pad editing),\n"
	    "XDG_STATE_HOME (sessions per server in $XDG_STATE_HOME/padline/\n"
	    "sessions/, 0600 in a 0700 directory that must be yours),\n"
	    "NO_COLOR (monochrome).\n"
	    "\n"
	    "Exit status: 0 quit, 1 error, 2 bad command line, 3 a tls://\n"
	    "server's certificate was not trusted (nothing pinned), or\n"
	    "(watch) the server's events key is not the one pinned.\n"
	    "watch: 0 its standard output was closed, 1 padlined failed or\n"
	    "stayed unreachable at start, or output failed (a full disk),\n"
	    "2 bad command line (a --filter error says where), 3 as above,\n"
	    "4 no session (none given or saved, or refused, and no terminal\n"
	    "to ask on), 5 not an administrator,\n"
	    "128+N ended by signal N (130 Ctrl-C, 143 SIGTERM).\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"redis", required_argument, NULL, 'r'},
	    {"ca", required_argument, NULL, 'c'},
	    {"trust", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"since", required_argument, NULL, 'S'},
	    {"filter", required_argument, NULL, 'f'},
	    {"alarms-only", no_argument, NULL, 'A'},
	    {"format", required_argument, NULL, 'F'},
	    {"all", no_argument, NULL, 'a'},
	    {"readonly", no_argument, NULL, 'R'},
	    {"frames", required_argument, NULL, 'X'},
	    {"frames-size", required_argument, NULL, 'Z'},
	    {"frames-log", required_argument, NULL, 'L'},
	    {"keys-man", no_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = getenv("PADLINE_SERVER");
	const char *redis = getenv("PADLINE_DASH_REDIS_URL");
	int c, watch = 0, all = 0, rc, watch_opt = 0;
	const char *cmd = NULL, *file = NULL, *filter_text = NULL;
	struct watch_opts wo = {.format = WATCH_TEXT, .since = -1};
	struct filter *filter = NULL;
	const char *frames = NULL, *frames_log = NULL;
	int frames_cols = 80, frames_rows = 24;
	struct pl_error err;
	char *end;

	xalloc_install(); /* before anything allocates */
	/* A write to a server (or Redis) that just went away must fail with
	 * EPIPE, so the call fails and an edit is kept or watch reconnects,
	 * not kill the process: for the TUI and watch alike. */
	signal(SIGPIPE, SIG_IGN);
	if (!server || !*server)
		server = PL_DEFAULT_ADDR;
	while ((c = getopt_long(argc, argv, "s:r:c:t:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'r':
			redis = optarg;
			break;
		case 'c': /* read where the connection is made */
			setenv("PADLINE_CA", optarg, 1);
			break;
		case 't': /* likewise */
			setenv("PADLINE_TLS_TRUST", optarg, 1);
			break;
		case 'j':
			wo.format = WATCH_JSONL;
			watch_opt = 1;
			break;
		case 'F':
			if (strcmp(optarg, "text") == 0)
				wo.format = WATCH_TEXT;
			else if (strcmp(optarg, "jsonl") == 0)
				wo.format = WATCH_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				wo.format = WATCH_CSV;
			else {
				fprintf(stderr, "padline: --format is text, "
				                "jsonl or csv\n");
				return 2;
			}
			watch_opt = 1;
			break;
		case 'f':
			filter_text = optarg;
			watch_opt = 1;
			break;
		case 'A':
			wo.alarms_only = 1;
			watch_opt = 1;
			break;
		case 'a':
			all = 1;
			break;
		case 'R': /* read where a key would change something */
			readonly_set();
			break;
		case 'S':
			wo.since = strtoll(optarg, &end, 10);
			watch_opt = 1;
			if (*end || wo.since < 0) {
				fprintf(stderr,
				        "padline: --since needs an event "
				        "id (a number >= 0)\n");
				return 2;
			}
			break;
		case 'X':
			frames = optarg;
			break;
		case 'Z':
			if (frames_parse_size(optarg, &frames_cols,
			                      &frames_rows) != 0) {
				fprintf(stderr, "padline: --frames-size needs "
				                "COLSxROWS (80x24)\n");
				return 2;
			}
			break;
		case 'L':
			frames_log = optarg;
			break;
		case 'K':
			keys_man(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("padline %s\n", PADLINE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		cmd = argv[optind];
		if (strcmp(cmd, "import") == 0 && optind + 2 == argc)
			file = argv[optind + 1];
		else if ((strcmp(cmd, "watch") != 0 &&
		          strcmp(cmd, "export") != 0) ||
		         optind + 1 < argc) {
			fprintf(stderr, "padline: unknown command '%s'\n", cmd);
			usage(stderr);
			return 2;
		}
		watch = strcmp(cmd, "watch") == 0;
	}
	if (all && (cmd == NULL || strcmp(cmd, "export") != 0)) {
		fprintf(stderr, "padline: --all is for `padline export`\n");
		return 2;
	}
	if (frames && cmd) {
		fprintf(stderr, "padline: --frames is for the TUI\n");
		return 2;
	}
	if (watch_opt && !watch) {
		fprintf(stderr, "padline: --json, --format, --filter, "
		                "--alarms-only and --since are for `padline "
		                "watch`\n");
		return 2;
	}
	pl_error_init(&err);
	if (readonly_check_env(&err) != 0) {
		fprintf(stderr, "padline: %s\n", err.message);
		pl_error_clear(&err);
		return 2;
	}
	if (readonly_on() && file) {
		fprintf(stderr, "padline: import writes: not in read-only "
		                "mode (--readonly, PADLINE_READONLY=1)\n");
		return 2;
	}
	/* A wrong expression is said before anything is sent. */
	if (filter_text && filter_parse(filter_text, &filter, &err) != 0) {
		term_safe_println(stderr, "padline: --filter: %s", err.message);
		pl_error_clear(&err);
		return 2;
	}
	wo.filter = filter;
	/* Sessions and pins are only kept where nobody else can swap them. */
	if (state_dir_check(&err) != 0) {
		fprintf(stderr, "padline: %s\n", err.message);
		pl_error_clear(&err);
		filter_free(filter);
		return 1;
	}
	/* Before curses: the question about an unknown certificate. */
	rc = trust_server(server, stdin, stderr, isatty(STDIN_FILENO));
	if (rc != 0) {
		filter_free(filter);
		return rc;
	}
	if (cmd && strcmp(cmd, "export") == 0)
		return transfer_export(server, all, stdout);
	if (file)
		return transfer_import(server, file);
	if (watch) {
		rc = watch_run(server, redis, &wo);
		filter_free(filter);
		return rc;
	}
	if (frames) {
		if (frames_setup(frames, frames_cols, frames_rows, frames_log,
		                 &err) != 0) {
			fprintf(stderr, "padline: --frames: %s\n", err.message);
			pl_error_clear(&err);
			return 2;
		}
		return frames_finish(app_run(server, redis));
	}
	return app_run(server, redis);
}
