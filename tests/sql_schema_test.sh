#!/usr/bin/env bash
# Every statement padlined sends names its tables "@table" (server/db.h,
# "Statements"): the text PostgreSQL gets says "schema".table, so nothing
# depends on a server connection's search path (a transaction-pooling
# PgBouncer carries none from one transaction to the next). Fails when a
# string literal in server/*.c (the migrations runner aside: it sets the
# search path in each of its transactions) names a table of migrations/
# after FROM, JOIN, INTO, UPDATE or USING without the "@".
#   tests/sql_schema_test.sh [SOURCE_DIR]   (default: this checkout)
set -uo pipefail

src=${1:-${PADLINE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}
cd "$src" || exit 2
tables=$(grep -ohE '^CREATE TABLE (IF NOT EXISTS )?[a-z_]+' migrations/*.sql | awk '{print $NF}' | sort -u | paste -sd'|')
[ -n "$tables" ] || { echo "sql_schema_test: no tables in $src/migrations" >&2; exit 2; }
fail=0
while IFS= read -r hit; do
	echo "sql_schema_test: table not qualified (write @table): $hit" >&2
	fail=1
done < <(ls server/*.c | grep -v '^server/migrate' | xargs grep -nE "\"[^\"]*\\b(FROM|JOIN|INTO|UPDATE|USING)([[:space:]]|\\\\n)+($tables)\\b")
[ $fail = 0 ] && echo "sql_schema_test: ok (tables: ${tables//|/ })"
exit $fail
