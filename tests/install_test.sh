#!/usr/bin/env bash
# `cmake --install` into a temporary prefix lays out what an operator needs
# (binaries, man pages, share/padline/{migrations,templates}, the
# disposable-domains list, docs, the env
# example, the systemd unit), and `systemd-analyze verify` accepts the
# installed unit without a single warning. Runs without systemd running.
set -uo pipefail

build=${PADLINE_BUILD_DIR:?}
src=${PADLINE_SOURCE_DIR:?}
fail=0
bad() { echo "install_test: $*" >&2; fail=1; }

prefix=$(mktemp -d /tmp/pl-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 ||
	{ cat "$prefix.log" >&2; bad "cmake --install failed"; }
rm -f "$prefix.log"

for f in bin/padlined share/man/man8/padlined.8 share/man/man1/padline.1 \
	share/doc/padline/protocol.md share/doc/padline/operations.md \
	share/doc/padline/padlined.env.example share/doc/padline/haproxy.cfg lib/systemd/system/padlined.service; do
	[ -f "$prefix/$f" ] || bad "not installed: $f"
done
[ -x "$prefix/bin/padlined" ] || bad "bin/padlined is not executable"
if [ -f "$build/tui/padline" ] && [ ! -x "$prefix/bin/padline" ]; then
	bad "bin/padline not installed"
fi
for f in "$src"/migrations/*.sql; do
	cmp -s "$f" "$prefix/share/padline/migrations/$(basename "$f")" ||
		bad "migration $(basename "$f") not installed as is"
done
cmp -s "$src/data/disposable-domains.txt" "$prefix/share/padline/disposable-domains.txt" ||
	bad "data/disposable-domains.txt not installed as is"
for f in "$src"/templates/*.json; do
	cmp -s "$f" "$prefix/share/padline/templates/$(basename "$f")" ||
		bad "template $(basename "$f") not installed as is"
done

unit=$prefix/lib/systemd/system/padlined.service
for line in "Type=notify" "EnvironmentFile=/etc/padline/padlined.env" \
	"Environment=GLIBC_TUNABLES=glibc.malloc.tcache_count=32" \
	"ExecStart=$prefix/bin/padlined serve" "DynamicUser=yes" \
	"NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" \
	"PrivateTmp=yes" "WatchdogSec=30s"; do
	grep -qxF "$line" "$unit" || bad "padlined.service lacks \"$line\""
done
grep -q '^RestrictAddressFamilies=' "$unit" || bad "padlined.service lacks RestrictAddressFamilies"

if ! command -v systemd-analyze >/dev/null; then
	bad "systemd-analyze missing (scripts/deps installs systemd)"
else
	# verify runs `man` for Documentation=man:...: look in the new prefix.
	out=$(MANPATH="$prefix/share/man" systemd-analyze verify "$unit" 2>&1) ||
		bad "systemd-analyze verify failed"
	[ -z "$out" ] || bad "systemd-analyze verify: $out"
fi

[ $fail = 0 ] && echo "install_test: ok"
exit $fail
