#!/usr/bin/env bash
# The project documents itself and the documents stay true: man pages render
# without a groff or man warning, every padlined setting (from --help, the
# configuration table) is in padlined(8), docs/operations.md and the example
# env file, padline(1)'s KEYS section is generated from the key tables, and
# nothing points outside the project. (test_docs.c checks
# docs/protocol.md against the method table.)
set -uo pipefail

src=${PADLINE_SOURCE_DIR:?}
bin=${PADLINE_BIN:?}
fail=0
bad() { echo "docs_test: $*" >&2; fail=1; }

for page in "$src"/docs/man/*.[1-8]; do
	out=$(groff -man -ww -z "$page" 2>&1) || bad "$page: groff failed"
	[ -z "$out" ] || bad "$page: groff warnings: $out"
	out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$out" ] || bad "$page: man warnings: $out"
done
[ -f "$src/docs/man/padlined.8" ] || bad "no docs/man/padlined.8"
[ -f "$src/docs/man/padline.1" ] || bad "no docs/man/padline.1"

help=$("$bin" --help) || bad "padlined --help failed"
envs=$(printf '%s\n' "$help" | sed -n 's/^ *env \([A-Z_]*\).*/\1/p')
flags=$(printf '%s\n' "$help" | sed -n 's/^  \(--[a-z-]*\) VALUE.*/\1/p')
[ "$(printf '%s\n' "$envs" | wc -l)" -gt 20 ] || bad "could not read the settings from --help"
for e in $envs; do
	grep -qF "\\fB$e\\fR" "$src/docs/man/padlined.8" || bad "padlined.8 does not describe $e"
	grep -q "\`$e\`" "$src/docs/operations.md" || bad "docs/operations.md does not list $e"
	grep -q "^#\?$e=" "$src/dist/padlined.env.example" || bad "dist/padlined.env.example has no $e line"
done
for f in $flags; do
	grep -qF "\\fB${f//-/\\-}\\fR" "$src/docs/man/padlined.8" || bad "padlined.8 does not describe $f"
done

# padline(1)'s KEYS section is what padline --keys-man prints from the key
# tables: a key added to or changed in a table and not on the page fails.
tui=${PADLINE_TUI_BIN:?}
keys_page=$(sed -n '/^\.SH KEYS$/,/^\.SH /p' "$src/docs/man/padline.1" | sed '$d')
keys_gen=$("$tui" --keys-man) || bad "padline --keys-man failed"
[ -n "$keys_gen" ] && [ "$keys_page" = "$keys_gen" ] ||
	bad "padline.1's KEYS section is not padline --keys-man's output (put it there):
$(diff <(printf '%s\n' "$keys_page") <(printf '%s\n' "$keys_gen") | head -20)"
# ...and it leaves no table out: every screen and view with a key table
# (tui/*.c, `const struct screen` or `view_ops` with .keys) has its
# section, and one whose keys_now picks other tables names them in .modes
# (each its own section). The exceptions: Password's table is the forms'
# ("A form of the Account screen"), and User's keys_now only trims its
# own table while the user is loading.
while read -r file name keys now modes; do
	[ "$keys" = 1 ] || continue
	name=${name//_/ }
	[ "$name" = Password ] ||
		grep -qxF ".SS $name" <<<"${keys_gen//\\-/-}" || bad "padline --keys-man has no section for $name ($file)"
	[ "$now" = 0 ] || [ "$modes" = 1 ] || [ "$name" = User ] ||
		bad "$file: $name picks its keys with keys_now but names no .modes for the man page"
done < <(awk '
	/^(static )?const struct (view_ops|screen) [a-z_]+ = \{/ { inb = 1; name = ""; keys = now = modes = 0; next }
	inb && /\.name = "/ { match($0, /"[^"]*"/); name = substr($0, RSTART + 1, RLENGTH - 2) }
	inb && /\.keys = / { keys = 1 }
	inb && /\.keys_now = / { now = 1 }
	inb && /\.modes = / { modes = 1 }
	inb && /^\};/ { inb = 0; gsub(/ /, "_", name); print FILENAME, name, keys, now, modes }
' "$src"/tui/*.c)

# The HAProxy example in docs/operations.md is dist/haproxy.cfg, line for
# line: the scale-out suites run that file.
haproxy_doc=$(sed 's/^\(.\)/    \1/' "$src/dist/haproxy.cfg")
ops=$(cat "$src/docs/operations.md")
[[ "$ops" == *"$haproxy_doc"* ]] || bad "docs/operations.md does not show dist/haproxy.cfg as it is"

# Nothing the project tracks points outside it: no design document, phase
# tag or earlier project a newcomer does not have, no path of one machine.
# The patterns are written so that this file does not match them itself;
# jansson's json_object_seed is the one use of the word that is not one.
# Shipped third-party lists (data/) are data, not prose: their entries are
# other people's domain names.
outside='DESIGN[.]md|shared/D[E]SIGN|[.][.]/shared|/w[o]rk/|\bs[e]ed\b|\bP[123][.][0-9]'
if ! tracked=$(git -C "$src" ls-files); then
	bad "cannot list the tracked files (git ls-files)"
elif [ -z "$tracked" ]; then
	bad "git ls-files listed no files"
else
	hits=$(cd "$src" && printf '%s\n' "$tracked" | grep -v '^data/' |
		xargs -d '\n' grep -nIiE "$outside" |
		sed 's/json_object_seed//g' | grep -iE "$outside")
	[ -z "$hits" ] || bad "these lines refer to documents outside the project (say it in the project's own terms or point to docs/):
$hits"
fi
# docs/architecture.md is a map: every file it names exists, and every
# function it names (`name()`) is defined in the sources (tests/support
# too).
arch="$src/docs/architecture.md"
if [ ! -f "$arch" ]; then
	bad "no docs/architecture.md"
else
	paths=$(grep -oE '`(server|tui|common|tests|docs|migrations|templates|scripts|bench|dist)/[^`<>* ]+`' "$arch" | tr -d '`' | sort -u)
	[ "$(printf '%s\n' "$paths" | grep -c .)" -gt 30 ] || bad "could not read the paths docs/architecture.md names"
	for p in $paths; do
		[ -e "$src/$p" ] || bad "docs/architecture.md names $p, which does not exist"
	done
	funcs=$(grep -oE '`[a-z_][a-z0-9_]*\(\)`' "$arch" | tr -d '`()' | sort -u)
	[ "$(printf '%s\n' "$funcs" | grep -c .)" -gt 30 ] || bad "could not read the functions docs/architecture.md names"
	for fn in $funcs; do
		grep -qE "^$fn\(|^[a-z].*[ *]$fn\(" "$src"/server/*.c "$src"/tui/*.c "$src"/common/*.c \
			"$src"/tests/support/*.c ||
			bad "docs/architecture.md names $fn(), which no source file defines"
	done
fi
for d in docs/protocol.md docs/operations.md docs/migrations.md docs/architecture.md docs/man/padlined.8 docs/man/padline.1; do
	grep -qF "$d" "$src/README.md" || bad "README.md does not point to $d"
done

[ $fail = 0 ] && echo "docs_test: ok"
exit $fail
