#!/usr/bin/env bash
# No script of the project starts a program with a password on its command
# line, which any local user reads with ps: scripts/up, scripts/stack, the
# benchmarks and the test suites hand padline a Redis URL in its
# environment (PADLINE_DASH_REDIS_URL), never as --redis, give redis-server
# its password in a file and redis-cli its in REDISCLI_AUTH. The tmux suites
# also check every padline and padlined they start, running
# (tests/support/tui_lib.sh, argv_secrets); scripts/up is checked here as
# text, since it builds and starts a stack of its own.
#   tests/argv_secrets_test.sh [SOURCE_DIR]   (default: this checkout)
set -uo pipefail

src=${1:-${PADLINE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}
cd "$src" || exit 2
[ -f scripts/up ] || { echo "argv_secrets_test: no scripts/up under $src" >&2; exit 2; }
fail=0
while IFS= read -r hit; do
	echo "argv_secrets_test: a secret on a command line: $hit" >&2
	fail=1
done < <(grep -nE -- '(^|[[:space:]])(--redis([[:space:]]|=)|--requirepass|--pass[[:space:]]|-a[[:space:]]+"?\$)' \
	scripts/up scripts/stack bench/*.sh tests/*.sh tests/support/*.sh | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#')
# scripts/up: the TUI it starts gets the dashboard's URL from its environment.
grep -qE '^[[:space:]]*exec build/tui/padline --server "\$LISTEN"$' scripts/up &&
	grep -qE '^[[:space:]]*: "\$\{PADLINE_DASH_REDIS_URL:\?' scripts/up ||
	{ echo "argv_secrets_test: scripts/up does not start padline with the dashboard URL in its environment" >&2; fail=1; }
[ $fail = 0 ] && echo "argv_secrets_test: ok"
exit $fail
