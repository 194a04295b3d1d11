#!/usr/bin/env bash
# padline export / import against a real padlined: 1 000 pads (unicode
# names, numbers at the edges of what padline keeps, three pads of about
# 1 MiB with four 1 MiB backups each, which no single request can carry)
# imported from a file, exported, imported into another user and exported
# again: the same lines but for ids and times. Then the counts on stderr,
# clashing names suffixed, --all, a bad line named and nothing imported, a
# request the server refuses after an earlier one committed (undone), and
# no session.
. "$(dirname "$0")/support/tui_lib.sh"

PW="Xfer-Passw0rd!xy"

rpc_open
register_user xalice
register_user xbob
rpc session.login "{\"username\":\"xalice\",\"password\":\"$PW\"}"
ATOK=$(jget "$REPLY_LINE" result.token)
rpc session.login "{\"username\":\"xbob\",\"password\":\"$PW\"}"
BTOK=$(jget "$REPLY_LINE" result.token)
[ -n "$ATOK" ] && [ -n "$BTOK" ] || die "cannot sign in: $REPLY_LINE"
ADDR=127.0.0.1:$PORT
# padline NAME_OF_TOKEN ARGS...: padline signed in by PADLINE_TOKEN.
xfer() {
	local tok=$1
	shift
	PADLINE_TOKEN=$tok XDG_STATE_HOME="$T/xstate" "$PADLINE_TUI_BIN" "$@" --server "$ADDR"
}
mkdir -p "$T/xstate"
chmod 700 "$T/xstate"

python3 - "$T/gen.jsonl" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
for i in range(1000):
    name = "Pad %04d ünïcødé 日本 ✓" % i
    if i == 500:
        name = "Pad 0001 ünïcødé 日本 ✓"  # a clash inside the file
    data = {"i": i, "big": 12345678901234567890, "neg": -98765432109876543210,
            "r": 0.1, "e": 1.5e300, "max": 9223372036854775807,
            "nested": [{"x": -0.0, "y": 1e19}], "s": "ß→∞ \"q\""}
    backups = []
    if i % 10 == 0:
        backups = [{"data": {"v": 2, "i": i}}, {"data": {"v": 1, "i": i}}]
    if i < 3:
        data["blob"] = "é" * 520000          # about 1 MiB as JSON
        backups = [{"data": {"n": n, "blob": chr(0x61 + n) * 1040000}}
                   for n in range(4)]
    out.write(json.dumps({"display_name": name, "data": data,
                          "backups": backups}, ensure_ascii=False) + "\n")
PY

# ---- populate, export, import elsewhere, export again ----
xfer "$ATOK" import "$T/gen.jsonl" 2>"$T/imp1.err" ||
	die "import of the generated file failed: $(cat "$T/imp1.err")"
grep -qx "imported 1000 pads, 210 backups, 1 renamed" "$T/imp1.err" &&
	ok "import reports pads, backups and renames" ||
	fail "import counts: $(cat "$T/imp1.err")"
[ "$(sql "select count(*) from pads p join users u on u.id = p.owner_id where u.username = 'xalice'")" = 1000 ] ||
	fail "xalice does not have 1000 pads"
[ "$(sql "select count(*) from pads where display_name = 'Pad 0001 ünïcødé 日本 ✓ (2)'")" = 1 ] ||
	fail "the clashing name was not suffixed"

xfer "$ATOK" export >"$T/a.jsonl" 2>"$T/exp1.err" || die "export failed: $(cat "$T/exp1.err")"
grep -qx "exported 1000 pads, 210 backups" "$T/exp1.err" || fail "export counts: $(cat "$T/exp1.err")"
xfer "$BTOK" import "$T/a.jsonl" 2>"$T/imp2.err" || die "import into xbob failed: $(cat "$T/imp2.err")"
grep -qx "imported 1000 pads, 210 backups, 0 renamed" "$T/imp2.err" || fail "second import counts: $(cat "$T/imp2.err")"
xfer "$BTOK" export >"$T/b.jsonl" 2>/dev/null || die "export of xbob failed"

# Same content but for times (ids are not exported); the generated file
# reads back the same too, numbers as padline keeps them (doubles, or
# exact 64-bit integers).
python3 - "$T/gen.jsonl" "$T/a.jsonl" "$T/b.jsonl" <<'PY' || fail "the round trip changed pads"
import json, sys
def norm(line):
    p = json.loads(line)
    for k in ("created_at", "updated_at"):
        p.pop(k)
    p["backups"] = [{"data": b["data"]} for b in p["backups"]]
    return p
def num(v):  # what padline keeps of a generated number
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    return v if isinstance(v, float) or -2**63 <= v < 2**63 else float(v)
def deep(v):
    if isinstance(v, dict): return {k: deep(x) for k, x in v.items()}
    if isinstance(v, list): return [deep(x) for x in v]
    return num(v)
gen = [json.loads(l) for l in open(sys.argv[1])]
a = [norm(l) for l in open(sys.argv[2])]
b = [norm(l) for l in open(sys.argv[3])]
assert len(a) == len(b) == 1000, (len(a), len(b))
# By name: pads created in one transaction may share a creation time.
A = {p["display_name"]: p for p in a}
B = {p["display_name"]: p for p in b}
assert len(A) == 1000 and A == B, "export -> import -> export differs"
for i, g in enumerate(gen):
    g = deep(g)
    if i == 500:
        g["display_name"] += " (2)"
    assert A[g["display_name"]] == g, "line %d is not what was generated" % (i + 1)
first = A[gen[0]["display_name"]]["backups"]
assert [x["data"]["n"] for x in first] == [0, 1, 2, 3], first[0]["data"]["n"]
PY
ok "export -> import -> export keeps 1000 pads with their backups"

# ---- clashes: the same file again, every name suffixed ----
xfer "$BTOK" import "$T/a.jsonl" 2>"$T/imp3.err" || fail "re-import failed: $(cat "$T/imp3.err")"
grep -qx "imported 1000 pads, 210 backups, 1000 renamed" "$T/imp3.err" &&
	ok "names already used are suffixed" || fail "re-import counts: $(cat "$T/imp3.err")"

# ---- --all adds the pads shared with the caller ----
rpc session.resume "{\"token\":\"$ATOK\"}"
rpc pad.get '{"display_name":"Pad 0999 ünïcødé 日本 ✓"}'
SHARED=$(jget "$REPLY_LINE" result.pad.id)
rpc pad.share "{\"id\":\"$SHARED\",\"username\":\"xbob\"}"
xfer "$BTOK" export >/dev/null 2>"$T/exp2.err"
xfer "$BTOK" export --all >"$T/all.jsonl" 2>"$T/exp3.err"
grep -qx "exported 2000 pads, 420 backups" "$T/exp2.err" &&
	grep -qx "exported 2001 pads, 420 backups" "$T/exp3.err" &&
	grep -q '"owner":"xalice"' "$T/all.jsonl" &&
	ok "--all adds the pad shared with the caller" ||
	fail "--all: $(cat "$T/exp2.err" "$T/exp3.err")"

# ---- a bad line: named, nothing imported ----
before=$(sql "select count(*) from pads")
{ head -3 "$T/a.jsonl"; echo '{"display_name":"bad","data":5}'; head -1 "$T/a.jsonl"; } >"$T/bad.jsonl"
if xfer "$BTOK" import "$T/bad.jsonl" 2>"$T/bad.err"; then
	fail "a bad file was imported"
else
	grep -q "bad.jsonl:4: data must be a JSON object" "$T/bad.err" &&
		[ "$(sql "select count(*) from pads")" = "$before" ] &&
		ok "a bad line is named by its number and nothing is imported" ||
		fail "bad line: $(cat "$T/bad.err"), pads $before -> $(sql "select count(*) from pads")"
fi
printf '{"display_name":"x","data":{}}\nnot json\n' >"$T/bad2.jsonl"
xfer "$BTOK" import "$T/bad2.jsonl" 2>"$T/bad2.err" && fail "unparsable line imported"
grep -q "bad2.jsonl:2:" "$T/bad2.err" || fail "unparsable line not named: $(cat "$T/bad2.err")"

# ---- a request the server refuses after an earlier one went in: undone ----
# Four pads of about 1 MiB take two requests; the second also holds a name
# the server refuses (a bidi control), after the first was committed.
python3 - "$T/late.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for i in range(4):
        out.write(json.dumps({"display_name": "Big %d" % i,
                              "data": {"blob": "x" * 1040000}}) + "\n")
    out.write(json.dumps({"display_name": "bad \u202e name", "data": {}}) + "\n")
PY
before=$(sql "select count(*) from pads")
if xfer "$BTOK" import "$T/late.jsonl" 2>"$T/late.err"; then
	fail "an import the server refused part of succeeded"
else
	grep -q "late.jsonl:5: .*control or bidi.*; nothing was imported" "$T/late.err" &&
		[ "$(sql "select count(*) from pads")" = "$before" ] &&
		[ "$(sql "select count(*) from pads where display_name like 'Big %'")" = 0 ] &&
		ok "a request refused after others is undone: nothing half-imported" ||
		fail "late failure: $(cat "$T/late.err"), pads $before -> $(sql "select count(*) from pads")"
fi

# ---- no session ----
if env -u PADLINE_TOKEN XDG_STATE_HOME="$T/xstate" "$PADLINE_TUI_BIN" export --server "$ADDR" >/dev/null 2>"$T/nos.err"; then
	fail "export without a session succeeded"
else
	grep -q "not signed in" "$T/nos.err" && ok "export without a session says so" ||
		fail "no session: $(cat "$T/nos.err")"
fi

tui_finish
