#!/usr/bin/env bash
# The server's layers as a rule, not a habit: rpc_*.c (decode params, call a
# service) -> svc_*.c (rules, transactions, audit, events) -> repo_*.c (one
# SQL statement per function). Fails when
#  - an rpc_*.c includes a repo_*.h (it must go through a service);
#  - a service (svc_*.h or svc_*.c) includes an rpc header, rpc.h or
#    params.h (services know nothing of the protocol: they take and return
#    plain values);
#  - anything but the outbox (server/outbox.*, server/events*.*,
#    server/db_outbox.c) calls the events publisher (events_publish*(...) or
#    includes events_publisher.h) or writes an audit row itself
#    (repo_audit_insert, outside repo_audit.c): services call audit_emit;
#  - libpq (PGresult, PGconn, a PQ*() call, libpq-fe.h) is used outside
#    server/db*.*, server/repo_*.* and server/migrate*.*;
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
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(rpc|params)\.h"' server/svc_*.h server/svc_*.c)

# Comment lines (a line starting /* or *) do not count below.
code_only() { grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*)'; }

while IFS= read -r hit; do
	case "${hit%%:*}" in
	server/outbox.[ch] | server/events*.[ch] | server/db_outbox.c) ;;
	*) bad "events published outside the outbox (call audit_emit in the transaction): $hit" ;;
	esac
done < <(grep -nE '\bevents_publish[a-z_]*[[:space:]]*\(|#[[:space:]]*include[[:space:]]*"events_publisher\.h"' server/*.c server/*.h | code_only)

while IFS= read -r hit; do
	case "${hit%%:*}" in
	server/outbox.c | server/repo_audit.[ch]) ;;
	*) bad "audit row written outside the outbox (call audit_emit): $hit" ;;
	esac
done < <(grep -nE '\brepo_audit_insert(_quiet|_text)?[[:space:]]*\(' server/*.c server/*.h | code_only)

while IFS= read -r hit; do
	case "${hit%%:*}" in
	server/db*.[ch] | server/repo_*.[ch] | server/migrate*.[ch]) ;;
	*) bad "libpq outside db*/repo_*/migrate* (go through a repository): $hit" ;;
	esac
done < <(grep -nE '\bPG(result|conn)\b|\bPQ[a-zA-Z]+[[:space:]]*\(|#[[:space:]]*include[[:space:]]*<libpq-fe\.h>' server/*.c server/*.h | code_only)

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
