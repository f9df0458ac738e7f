#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The evidence ledger with the real binary on real hubs (docs/ledger.md):
# a bundle verified on a "machine that never saw the hub" (a fresh directory
# with only the bundle and the public key) and refused after any single-byte
# change; direct tampering with the SQLite file (update, delete, insert,
# reorder, truncate) found by `vigie verify --hub`, which names the entry;
# consistency and equivocation of checkpoints; key rotation; no key material
# in any leaf.
source "$(dirname "$0")/lib/common.bash"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

init=$("$VIGIE" init --name op --json)
secret=$(jq -r .key.secret <<<"$init")
pub=$(jq -r .ledger_public_key <<<"$init")
"$VIGIE" ledger pubkey -o "$TMP/pub.key"
eq "init prints the public key that ledger pubkey exports" "$pub" "$(cat "$TMP/pub.key")"
eq "the signing key file is private" 600 "$(stat -c %a "$VIGIE_HUB/ledger.key")"
"$VIGIE" org add Vendor --kind vendor >/dev/null
vsecret=$("$VIGIE" key create --org Vendor --scopes read,write --json | jq -r .secret)
printf '198.51.100.1\n198.51.100.2\nevil.example.com\nhttp://bad.example.net/x\n' >"$TMP/a.txt"
"$VIGIE" import --as Vendor --tlp green "$TMP/a.txt" >/dev/null 2>&1
printf '203.0.113.5\n' >"$TMP/red.txt"
"$VIGIE" import --as Vendor --tlp red "$TMP/red.txt" >/dev/null 2>&1
"$VIGIE" ledger checkpoint -o "$TMP/cp1"
printf '192.0.2.77\n' >"$TMP/b.txt"
"$VIGIE" import --tlp clear "$TMP/b.txt" >/dev/null 2>&1
"$VIGIE" ledger checkpoint -o "$TMP/cp2"

check "a fresh hub verifies" "$VIGIE" verify
r=$("$VIGIE" verify --json)
eq "verify --hub --json" true "$(jq .verified <<<"$r")"
eq "entries: key leaf + 6 objects" 7 "$(jq .entries <<<"$r")"
check "every import signed a checkpoint" test "$(jq .checkpoints <<<"$r")" -ge 3

# Evidence for a GREEN indicator, verified where the hub does not exist.
"$VIGIE" export --for Vendor --format stix -o "$TMP/x.json" >/dev/null
id=$(jq -r '[.objects[] | select(.pattern | test("198.51.100.1")) | .id][0]' "$TMP/x.json")
"$VIGIE" evidence "$id" --for Vendor -o "$TMP/bundle.json" >/dev/null 2>&1
mkdir "$TMP/expert"
cp "$TMP/bundle.json" "$TMP/pub.key" "$TMP/expert/"
out=$(cd "$TMP/expert" && env -u VIGIE_HUB "$VIGIE" --hub /nonexistent verify bundle.json --key pub.key)
check "the bundle verifies offline with the pinned key" grep -q '^VERIFIED' <<<"$out"
check "the verifier says who contributed it" grep -q "contributor identity--" <<<"$out"
check "the verifier says which key sent it" grep -q "key cli" <<<"$out"
check "without --key it says the key is the bundle's own" \
  bash -c "cd '$TMP/expert' && '$VIGIE' verify bundle.json | grep -q 'bundle.s own'"
"$VIGIE" init --hub "$TMP/other" --name other >/dev/null
"$VIGIE" --hub "$TMP/other" ledger pubkey -o "$TMP/other.key"
check "another hub's key is refused" bash -c "! '$VIGIE' verify '$TMP/bundle.json' --key '$TMP/other.key' 2>/dev/null"
check "the key can be given inline" "$VIGIE" verify "$TMP/bundle.json" --key "$pub"

# Every single-byte change makes it fail (every offset, two kinds of change).
n=$(python3 - "$VIGIE" "$TMP/bundle.json" "$TMP/pub.key" "$TMP/mut.json" <<'PY'
import random, subprocess, sys
vigie, path, key, mut = sys.argv[1:]
data = open(path, 'rb').read()
random.seed(7)
accepted = []
for i in range(len(data)):
    for x in (0x01, random.randrange(1, 256)):
        m = bytearray(data); m[i] ^= x
        open(mut, 'wb').write(m)
        if subprocess.run([vigie, 'verify', mut, '--key', key], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            accepted.append((i, x))
print(len(accepted), len(data), accepted[:5])
PY
)
eq "no single-byte change of the bundle verifies (accepted, bytes)" "0" "${n%% *}"

# Policy: Vendor's RED object is "not found" for the operator, exactly as an
# id that was never stored; Vendor itself gets its bundle.
rid=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE tlp = 4")
msg1=$("$VIGIE" evidence "$rid" -o "$TMP/n.json" 2>&1 || true)
msg2=$("$VIGIE" evidence indicator--00000000-0000-4000-8000-000000000000 -o "$TMP/n.json" 2>&1 || true)
eq "a RED object of another organisation answers as an unknown id" \
  "${msg2/indicator--00000000-0000-4000-8000-000000000000/X}" "${msg1/$rid/X}"
check "its contributor gets the bundle" "$VIGIE" evidence "$rid" --for Vendor -o "$TMP/red.json"
check "an unknown version is not found" bash -c "! '$VIGIE' evidence '$id' --for Vendor --version 2001-01-01T00:00:00Z -o '$TMP/n.json' 2>/dev/null"

# Consistency and equivocation.
check "consistency of two kept checkpoints" "$VIGIE" verify --consistency "$TMP/cp1" "$TMP/cp2" --key "$TMP/pub.key"
check "consistency in either order" "$VIGIE" verify --consistency "$TMP/cp2" "$TMP/cp1"
cp -r "$VIGIE_HUB" "$TMP/fork"
printf '192.0.2.200\n' >"$TMP/c.txt"
printf '192.0.2.201\n' >"$TMP/d.txt"
"$VIGIE" import "$TMP/c.txt" >/dev/null 2>&1
"$VIGIE" --hub "$TMP/fork" import "$TMP/d.txt" >/dev/null 2>&1
"$VIGIE" ledger checkpoint -o "$TMP/cpA"
"$VIGIE" --hub "$TMP/fork" ledger checkpoint -o "$TMP/cpB"
eq "the fork has the same size" "$(sed -n 2p "$TMP/cpA")" "$(sed -n 2p "$TMP/cpB")"
out=$("$VIGIE" verify --consistency "$TMP/cpA" "$TMP/cpB" --key "$TMP/pub.key" 2>&1 || true)
check "two signed trees of one size are reported as equivocation" grep -q EQUIVOCATION <<<"$out"
out=$("$VIGIE" verify --consistency "$TMP/cp1" "$TMP/cpB" 2>&1 || true)
check "a forked checkpoint is not consistent with this hub" grep -q 'NOT VERIFIED' <<<"$out"
sed 's/^\([0-9]*\)$/99/' "$TMP/cp2" >"$TMP/cpbad"
check "an altered checkpoint fails its signature" \
  bash -c "! '$VIGIE' verify --consistency '$TMP/cp1' '$TMP/cpbad' 2>/dev/null"

# Direct tampering with the database, each on its own copy of the hub.
tamper() { # tamper NAME SQL EXPECTED-PATTERN
  local h=$TMP/t-$1
  rm -rf "$h"
  cp -r "$VIGIE_HUB" "$h"
  sqlite3 "$h/vigie.db" "$2"
  local out
  out=$("$VIGIE" --hub "$h" verify 2>&1) && { not_ok "tampering ($1) not detected"; return; }
  if grep -q "$3" <<<"$out"; then ok "tampering detected: $1"; else not_ok "$1: $out"; fi
}
tamper "object text updated" \
  "UPDATE object SET json = replace(json, '198.51.100.2', '198.51.100.3') WHERE rowid = 2" \
  "entry 2 (object row 2) no longer matches"
tamper "TLP lowered" "UPDATE object SET tlp = 0 WHERE rowid = 5" "entry 5 "
tamper "audience widened" "INSERT INTO object_audience VALUES(5, 1)" "entry 5 "
tamper "contributor changed" "UPDATE object SET org_id = 1 WHERE rowid = 3" "entry 3 "
tamper "back-dated" "UPDATE object SET date_added_us = date_added_us - 86400000000 WHERE rowid = 4" "entry 4 "
tamper "object row deleted" "DELETE FROM object WHERE rowid = 3" "entry 3: object row 3 of ledger entry 3 is missing"
tamper "object row inserted" \
  "INSERT INTO object(rowid, stix_id, id_hash, type, created_us, modified_us, date_added_us, revoked, tlp, org_id, collection_id, seq, event_kind, aud0, json) SELECT 1000, stix_id, id_hash, type, created_us, modified_us, date_added_us + 1, revoked, tlp, org_id, collection_id, 1000, event_kind, aud0, json FROM object WHERE rowid = 2" \
  "object row 1000 .* is not in the ledger"
tamper "rows reordered" \
  "UPDATE object SET json = CASE rowid WHEN 2 THEN (SELECT json FROM object WHERE rowid = 3) ELSE (SELECT json FROM object WHERE rowid = 2) END WHERE rowid IN (2, 3)" \
  "entry 2 "
tamper "ledger entries renumbered" "UPDATE ledger SET idx = idx + 100 WHERE idx = 3" "entry 3"
tamper "leaf hash rewritten" "UPDATE ledger SET hash = zeroblob(32) WHERE idx = 1" "entry 1 "
tamper "truncated (rows and their entries)" \
  "DELETE FROM object WHERE rowid >= 6; DELETE FROM ledger WHERE idx >= 6" "truncated"
tamper "truncated and the state rewound to an old copy" \
  "DELETE FROM object WHERE rowid >= 7; DELETE FROM ledger WHERE idx >= 7; DELETE FROM checkpoint WHERE size >= 7" \
  "recorded head"
tamper "checkpoint forged" \
  "UPDATE checkpoint SET note = substr(note, 1, length(note) - 5) || CASE substr(note, length(note) - 4, 1) WHEN 'x' THEN 'y' ELSE 'x' END || substr(note, length(note) - 3) WHERE id = (SELECT max(id) FROM checkpoint)" \
  "not signed by a key of the log"
h=$TMP/t-rows
check "a tampered hub refuses new writes" bash -c "cp -r '$VIGIE_HUB' '$h' && sqlite3 '$h/vigie.db' 'DELETE FROM ledger WHERE idx = 7' && ! '$VIGIE' --hub '$h' import '$TMP/b.txt' 2>/dev/null >/dev/null"

# Key rotation is a leaf; old checkpoints and bundles still verify.
"$VIGIE" ledger rotate-key >/dev/null
"$VIGIE" ledger pubkey -o "$TMP/pub2.key"
check "the key changed" bash -c "! cmp -s '$TMP/pub.key' '$TMP/pub2.key'"
check "a retired key file is kept for the operator" bash -c "ls '$VIGIE_HUB'/ledger.key.*.retired >/dev/null"
check "the hub verifies across a rotation" "$VIGIE" verify
"$VIGIE" evidence "$id" --for Vendor -o "$TMP/bundle2.json" >/dev/null 2>&1
check "a new bundle verifies with the new key" "$VIGIE" verify "$TMP/bundle2.json" --key "$TMP/pub2.key"
check "and not with the old one" bash -c "! '$VIGIE' verify '$TMP/bundle2.json' --key '$TMP/pub.key' 2>/dev/null"
check "the old bundle still verifies with the old key" "$VIGIE" verify "$TMP/bundle.json" --key "$TMP/pub.key"

# No key material in any leaf, nor anywhere in the database.
python3 - "$VIGIE_HUB" "$secret" "$vsecret" "$TMP/bundle.json" "$TMP/bundle2.json" <<'PY' && ok "no secret in the leaves or the database" || not_ok "a secret leaked"
import base64, glob, json, sqlite3, sys
hub, secrets, bundles = sys.argv[1], sys.argv[2:4], sys.argv[4:]
needles = []
for s in secrets:
    needles += [s.encode(), s.split('.', 1)[1].encode(), bytes.fromhex(s.split('.', 1)[1])]
for f in glob.glob(hub + '/ledger.key*'):
    b64 = open(f).read().strip().split('+', 4)[4]
    needles.append(base64.b64decode(b64)[1:])
leaves = [base64.b64decode(json.load(open(b))['leaf']) for b in bundles]
db = sqlite3.connect(hub + '/vigie.db')
leaves += [r[0] for r in db.execute('SELECT leaf FROM ledger WHERE leaf IS NOT NULL')]
blob = b''.join(leaves)
for p in glob.glob(hub + '/vigie.db*'):
    blob += open(p, 'rb').read()
bad = [n for n in needles if n in blob]
sys.exit(1 if bad or len(leaves) < 3 else 0)
PY
finish
