#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Import and export through the real binary: formats, versions, duplicates,
# sharing rules on export, and hostile input that must be rejected per record
# while the rest imports and nothing else changes.
source "$(dirname "$0")/lib/common.bash"

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
"$VIGIE" org add B --kind cert >/dev/null
"$VIGIE" org add C --kind law-enforcement >/dev/null
"$VIGIE" group add g1 >/dev/null
"$VIGIE" group members g1 --add C >/dev/null

ind() { # ind ID MODIFIED PATTERN [EXTRA-JSON]
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z","modified":"%s","pattern":"%s","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}' "$1" "$2" "$3" "${4:-}"
}
bundle() { printf '{"type":"bundle","id":"bundle--6b1c8a5e-0f0f-4b0e-9a8a-111111111111","objects":[%s]}' "$(IFS=,; echo "$*")"; }

U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
U3=33333333-3333-4333-8333-333333333333
bundle "$(ind $U1 2026-01-01T00:00:00Z "[ipv4-addr:value = '198.51.100.1']")" \
       "$(ind $U2 2026-01-01T00:00:00Z "[domain-name:value = 'Red.Example.COM.']" ',"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]')" \
       "$(ind $U3 2026-01-01T00:00:00Z "[url:value = 'hxxp://grp.example[.]org:80/x']")" >"$TMP/a.json"

r=$("$VIGIE" import --as A --json "$TMP/a.json")
eq "3 accepted" 3 "$(jq .accepted <<<"$r")"
r=$("$VIGIE" import --as A --json "$TMP/a.json")
eq "re-import: 0 accepted" 0 "$(jq .accepted <<<"$r")"
eq "re-import: 3 duplicates" 3 "$(jq .duplicates <<<"$r")"

bundle "$(ind $U1 2026-02-01T00:00:00Z "[ipv4-addr:value = '198.51.100.1'] OR [ipv4-addr:value = '198.51.100.2']")" >"$TMP/v2.json"
eq "new version" 1 "$("$VIGIE" import --as A --json "$TMP/v2.json" | jq .versions)"
eq "export keeps the last version" 2026-02-01T00:00:00Z \
  "$("$VIGIE" export --for A | jq -r ".objects[] | select(.id==\"indicator--$U1\") | .modified")"
eq "all versions on request" 2 \
  "$("$VIGIE" export --for A --all-versions | jq "[.objects[] | select(.id==\"indicator--$U1\")] | length")"

# Someone else may not version A's object (scenario 4), nor claim A made it (scenario 9).
bundle "$(ind $U1 2026-03-01T00:00:00Z "[ipv4-addr:value = '198.51.100.1']" ',"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]')" >"$TMP/b.json"
r=$("$VIGIE" import --as B --json "$TMP/b.json" || true)
eq "B cannot version A's object" 1 "$(jq .rejected <<<"$r")"
check "rejection names the field" grep -q '"field": "id"' <<<"$r"
A_ID=$("$VIGIE" org show A --json | jq -r .stix_id)
bundle "$(ind 44444444-4444-4444-8444-444444444444 2026-01-01T00:00:00Z "[ipv4-addr:value = '198.51.100.9']" ",\"created_by_ref\":\"$A_ID\"")" >"$TMP/spoof.json"
r=$("$VIGIE" import --as B --json "$TMP/spoof.json" || true)
eq "created_by_ref spoofing rejected" created_by_ref "$(jq -r '.errors[0].field' <<<"$r")"

# Sharing on export: RED stays with A and never leaves by export; AMBER goes to the community.
eq "B sees A's amber objects, not the red one" 2 "$("$VIGIE" export --for B | jq '.objects | length')"
check "red value absent from B's csv" bash -c "! '$VIGIE' export --for B --format csv | grep -q red.example.com"
check "red never leaves by export, even for A" bash -c "! '$VIGIE' export --for A --format plain | grep -q red.example.com"
eq "canonical domain stored" 1 "$("$VIGIE" export --for A --format plain --kind url | grep -c '^http://grp.example.org/x$')"
printf 'value,label\n203.0.113.50,fam\n' >"$TMP/g.csv"
"$VIGIE" import --as A --group g1 "$TMP/g.csv" >/dev/null 2>&1
check "group object visible to member C" bash -c "'$VIGIE' export --for C --format plain | grep -qx 203.0.113.50"
check "group object hidden from B" bash -c "! '$VIGIE' export --for B --format plain | grep -qx 203.0.113.50"
eq "marking written into the stored object" "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421" \
  "$("$VIGIE" export --for A | jq -r ".objects[] | select(.id==\"indicator--$U3\") | .object_marking_refs[0]")"

# Hostile input: each bad record rejected with a reason, the good ones imported, nothing else changed.
before=$("$VIGIE" export --for op --all-versions | jq -S '.objects')
good() { ind "$1" 2026-01-01T00:00:00Z "[ipv4-addr:value = '$2']"; }
python3 - "$TMP" <<'PY'
import sys, json
t = sys.argv[1]
def ind(u, v): return '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = \'%s\']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' % (u, v)
g1 = ind("aaaaaaaa-0000-4000-8000-000000000001", "192.0.2.1")
g2 = ind("aaaaaaaa-0000-4000-8000-000000000002", "192.0.2.2")
bad = {
  "wrongtype": ind("bbbbbbbb-0000-4000-8000-000000000001", "192.0.2.3").replace('"created":"2026-01-01T00:00:00Z"', '"created":5'),
  "badpattern": ind("bbbbbbbb-0000-4000-8000-000000000002", "192.0.2.4").replace("[ipv4-addr:value", "[ipv4-addr:value and"),
  "bigstring": ind("bbbbbbbb-0000-4000-8000-000000000003", "192.0.2.5")[:-1] + ',"description":"' + "x" * (10 * 1024 * 1024) + '"}',
  "deep": "[" * 10000 + "]" * 10000,
  "badutf8": ind("bbbbbbbb-0000-4000-8000-000000000004", "192.0.2.6").replace("2026-01-01T00:00:00Z\",\"pattern", "2026-01-01T00:00:00Z\",\"name\":\"\xff\xfe\",\"pattern"),
  "nul": ind("bbbbbbbb-0000-4000-8000-000000000005", "192.0.2.7")[:-1] + ',"name":"a\\u0000b"}',
  "dupkey": ind("bbbbbbbb-0000-4000-8000-000000000006", "192.0.2.8")[:-1] + ',"type":"indicator"}',
  "badid": ind("not-a-uuid", "192.0.2.9"),
}
for name, b in bad.items():
    doc = '{"type":"bundle","id":"bundle--6b1c8a5e-0f0f-4b0e-9a8a-222222222222","objects":[' + g1 + ',\n' + b + ',\n' + g2 + ']}'
    open(f"{t}/bad-{name}.json", "wb").write(doc.encode("utf-8", "surrogateescape") if isinstance(doc, str) else doc)
raw = open(f"{t}/bad-badutf8.json", "rb").read()
open(f"{t}/bad-badutf8.json", "wb").write(raw.replace("\u00ff\u00fe".encode(), b"\xff\xfe"))
trunc = '{"type":"bundle","id":"bundle--6b1c8a5e-0f0f-4b0e-9a8a-333333333333","objects":[' + g1 + ',' + g2[:40]
open(f"{t}/bad-truncated.json", "w").write(trunc)
open(f"{t}/bad-empty.json", "w").write("")
PY
for f in wrongtype badpattern bigstring deep badutf8 nul dupkey badid; do
  r=$("$VIGIE" import --as A --json "$TMP/bad-$f.json" || true)
  eq "$f: one rejected" 1 "$(jq .rejected <<<"$r")"
  eq "$f: good records still stored or known" 2 "$(jq '.accepted + .duplicates' <<<"$r")"
  check "$f: rejection has a message" test -n "$(jq -r '.errors[0].message' <<<"$r")"
done
r=$("$VIGIE" import --as A --json "$TMP/bad-badpattern.json" || true)
eq "a rejection names its object" "indicator--bbbbbbbb-0000-4000-8000-000000000002" \
  "$(jq -r '.errors[0].id' <<<"$r")"
eq "a rejection names its field" pattern "$(jq -r '.errors[0].field' <<<"$r")"
r=$("$VIGIE" import --as A --json "$TMP/bad-truncated.json" || true)
eq "truncated: object before the cut kept" 1 "$(jq '.accepted + .duplicates' <<<"$r")"
check "truncated: error reported" test "$(jq .rejected <<<"$r")" -ge 1
r=$("$VIGIE" import --as A --json "$TMP/bad-empty.json" || true)
eq "empty file: nothing stored" 0 "$(jq .accepted <<<"$r")"
check "empty file: an error" test "$(jq .rejected <<<"$r")" -ge 1
after=$("$VIGIE" export --for op --all-versions | jq -S '[.objects[] | select(.id | startswith("indicator--aaaaaaaa") | not)]')
eq "store otherwise unchanged" "$(jq -S '[.[] | select(.id | startswith("indicator--aaaaaaaa") | not)]' <<<"$before")" "$after"
printf 'value,kind\n192.0.2.50,ipv4\n999.1.1.1,ipv4\n"192.0.2.51",ipv4\n' >"$TMP/c.csv"
r=$("$VIGIE" import --as A --json "$TMP/c.csv" || true)
eq "csv: bad row rejected" 1 "$(jq .rejected <<<"$r")"
eq "csv: bad row line number" 3 "$(jq '.errors[0].line' <<<"$r")"
eq "csv: good rows" 2 "$(jq .accepted <<<"$r")"
printf '# comment\nevil.example.net\n\n1.2.3\nsetup.exe\n' >"$TMP/p.txt"
r=$("$VIGIE" import --as A --json "$TMP/p.txt" || true)
eq "plain: version number and file name rejected" 2 "$(jq .rejected <<<"$r")"
eq "plain: domain kept" 1 "$(jq .accepted <<<"$r")"
check "store integrity" sqlite3 "$VIGIE_HUB/vigie.db" "PRAGMA integrity_check" >/dev/null
# Filters are bound as parameters, never spliced into SQL (scenario 13).
eq "hostile label matches nothing" 0 \
  "$("$VIGIE" export --for op --format plain --label "x' OR '1'='1" | wc -l)"
eq "hostile type matches nothing" 0 \
  "$("$VIGIE" export --for op --type "indicator' OR 1=1 --" | jq '.objects // [] | length')"
check "the hub is intact after them" "$VIGIE" check
finish
