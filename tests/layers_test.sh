#!/usr/bin/env bash
# The server's layers as a rule, not a habit: rpc_*.c (decode params, call a
# service) -> svc_*.c (rules, transactions, audit, events) -> repo_*.c (one
# SQL statement per function). Fails when
#  - an rpc_*.c includes a repo_*.h (it must go through a service);
#  - a service (svc_*.h or svc_*.c) includes rpc.h (services know nothing
#    of the protocol: they take and return plain values);
#  - a SQL statement literal (a string starting SELECT, INSERT INTO,
#    UPDATE t SET or UPDATE @t SET, DELETE FROM or WITH t AS) sits in a .c outside
#    server/repo_*.c, server/db*.c and server/migrate*.c.
#   tests/layers_test.sh [SOURCE_DIR]   (default: this checkout)
set -uo pipefail

src=${1:-${PADLINE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}
cd "$src" || exit 2
fail=0
bad() { echo "layers_test: $*" >&2; fail=1; }

[ -n "$(ls server/rpc_*.c server/svc_*.h server/repo_*.c 2>/dev/null)" ] ||
	{ echo "layers_test: no server sources under $src" >&2; exit 2; }

while IFS= read -r hit; do
	bad "protocol layer reaches a repository (route it through a svc_*): $hit"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"repo_[^"]*\.h"' server/rpc_*.c)

while IFS= read -r hit; do
	bad "protocol layer names a repository function or type: $hit"
done < <(grep -nE '\brepo_[a-z0-9_]+\b' server/rpc_*.c | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|#[[:space:]]*include)')

while IFS= read -r hit; do
	bad "service header exposes a repository: $hit"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"repo_[^"]*\.h"' server/svc_*.h)

while IFS= read -r hit; do
	bad "service depends on the protocol layer: $hit"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"rpc\.h"' server/svc_*.h server/svc_*.c)

# A bare SELECT counts only when more of the statement follows (Redis's
# "SELECT" and redisCommand's "SELECT %d" are not SQL); the other openings
# are SQL wherever the literal ends.
sql='"(SELECT([[:space:]]|\\n)|(INSERT INTO|UPDATE @?[a-z_]+ SET|DELETE FROM|WITH (RECURSIVE )?[a-z_]+ AS)([[:space:]]|\\n|"))'
while IFS= read -r hit; do
	case "${hit%%:*}" in
	server/repo_*.c | server/db*.c | server/migrate*.c) ;;
	*) bad "SQL statement outside repo_*/db*/migrate*: $hit" ;;
	esac
done < <(grep -nE "$sql" server/*.c common/*.c tui/*.c 2>/dev/null |
	grep -vE 'redisCommand|"SELECT %')

[ $fail = 0 ] && echo "layers_test: ok"
exit $fail
