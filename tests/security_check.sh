#!/usr/bin/env bash
# Security review, run by scripts/test after the whole suite:
#  1. SQL only through parameters: no SQL text assembled with printf-style
#     calls outside the few places that must quote an identifier (schema
#     name from configuration), and SQL statements only in the layers that
#     own them (repo_*, db*, migrate*: tests/layers_test.sh).
#  2. Secrets never logged: the logs of the whole run (padlined's stderr of
#     every suite) hold no password, session token or invitation code used
#     by the suites.
#  3. Session and invitation tokens are stored hashed (schema check).
#   tests/security_check.sh LOG_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
logs=${1:?usage: security_check.sh LOG_DIR}
fail=0
bad() { echo "security: $*" >&2; fail=1; }

# 1a. printf-built SQL: only the identifier quoting of the schema name
# when the migrations runner creates it. (Statements name the schema as
# "@table", filled in by server/db_sql.c from the PQescapeIdentifier-quoted
# configuration; the runner's search path is a set_config parameter.)
while IFS= read -r hit; do
	case "$hit" in
	server/migrate.c:*CREATE\ SCHEMA*) ;;
	*) bad "SQL built with printf: $hit" ;;
	esac
done < <(cd "$ROOT" && grep -nE '(s?n?printf|asprintf)\([^;]*"(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|SET|ALTER)' server/*.c common/*.c 2>/dev/null || true)

# 1b. PQexec (no parameters) only where no input can reach it.
while IFS= read -r hit; do
	case "$hit" in
	server/db_pool.c:* | server/migrate.c:* | server/db.c:*) ;;
	*) bad "PQexec without parameters: $hit" ;;
	esac
done < <(cd "$ROOT" && grep -nE '\bPQexec\(' server/*.c || true)

# 1c. SQL statements live in repositories (and the runner/loader), and
# the rpc -> svc -> repo layering holds: tests/layers_test.sh (also a ctest
# suite of its own).
bash "$ROOT/tests/layers_test.sh" "$ROOT" >/dev/null || bad "layering (tests/layers_test.sh) fails"

# 2. Secrets in logs. The suites' passwords are the string literals that
# satisfy the password policy shape; tokens and codes are long hex or
# base64url runs, which no log line has reason to carry.
if [ -d "$logs" ] && ls "$logs"/*.log >/dev/null 2>&1; then
	mapfile -t pws < <(cd "$ROOT" && grep -ohE '"[A-Za-z0-9!@#%^&*_+=.-]{12,40}"' tests/*.c tests/*.sh 2>/dev/null |
		tr -d '"' | grep -E '[a-z]' | grep -E '[A-Z]' | grep -E '[0-9]' | grep -E '[^A-Za-z0-9]' |
		grep -vE '^[^@]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[a-z]{2,}$' | sort -u) # emails are logged by design
	for pw in "${pws[@]}"; do
		if grep -rlF -- "$pw" "$logs" >/dev/null 2>&1; then
			bad "a test password appears in a log: $(grep -rlF -- "$pw" "$logs" | head -1)"
		fi
	done
	# key=value pairs whose key names a secret; numbers (code=404 is an
	# error code) and bare words (reason names) are not secrets.
	leaked=$(grep -rhoE '(token|code|password|secret)=[^ ]+' "$logs" |
		grep -vE '=(""|[0-9-]+|\[redacted\]|[a-z_]+)$' | head -3 | tr '\n' ' ' || true)
	[ -z "$leaked" ] || bad "a token, code or password value is logged: $leaked"
	# A certificate's fingerprint (padlined's "TLS enabled" line) hashes
	# public data: it is what clients are asked to compare.
	leaked=$(grep -rhE '[0-9a-f]{64}' "$logs" | sed -E 's/fingerprint=SHA256:[0-9a-f]{64}//g' |
		grep -E '[0-9a-f]{64}' | head -1 | cut -c1-160 || true)
	[ -z "$leaked" ] || bad "a 64-hex-digit value (token or hash) is logged: $leaked"
	echo "security: $(ls "$logs"/*.log | wc -l) logs checked for ${#pws[@]} test passwords and token-shaped values"
else
	bad "no logs in $logs"
fi

# 3. Only hashes are stored.
grep -q 'token_hash text PRIMARY KEY' "$ROOT"/migrations/*.sql || bad "sessions do not store token hashes"
grep -q 'code_hash text NOT NULL UNIQUE' "$ROOT"/migrations/*.sql || bad "invitations do not store code hashes"
if grep -nE '^\s+(token|code|password) text' "$ROOT"/migrations/*.sql; then bad "a plain secret column exists"; fi

[ $fail = 0 ] && echo "security: ok"
exit $fail
