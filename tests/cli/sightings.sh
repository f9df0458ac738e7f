#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sightings (docs/sightings.md) on a real server: a batch POST, STIX
# sightings over TAXII and by import, counts per organisation in the
# look-up, and the sharing rules path by path: a TLP:RED sighting of A is
# invisible to B (look-up counts, TAXII, stream), and B's look-up answers
# exactly as before it existed; a value the sighter may not see is refused
# exactly as an unknown one; hostile batches (truncated, oversized, deeply
# nested, wrong types, 100,001 values) change nothing; `vigie match
# --sightings` end to end, and its failures are errors.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v jq >/dev/null || skip_all "jq not installed"
"$VIGIE" init --name op >/dev/null
for o in A B C; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes "${2:-read,write}" --json | jq -r .secret; }
kA=$(key A) kB=$(key B) kC=$(key C) kBr=$(key B read)
cid=$("$VIGIE" collection add pub --read community --write community --json | jq -r .id)
echo evil.com >"$TMP/clear.txt"
"$VIGIE" import --as A --tlp clear --collection pub "$TMP/clear.txt" >/dev/null
echo secret-c2.net >"$TMP/red.txt"
"$VIGIE" import --as A --tlp red "$TMP/red.txt" >/dev/null
echo clear-two.net >"$TMP/clear2.txt"
"$VIGIE" import --as A --tlp clear "$TMP/clear2.txt" >/dev/null
echo rollup.net >"$TMP/rollup.txt"
"$VIGIE" import --as A --tlp clear "$TMP/rollup.txt" >/dev/null
echo group-only.net >"$TMP/grp.txt"
"$VIGIE" import --as A --tlp amber --group g "$TMP/grp.txt" >/dev/null
IND=$("$VIGIE" export --for A --format stix | jq -r '.objects[] | select(.type == "indicator" and (.pattern | contains("evil.com"))) | .id')

printf '{"limits": {"max_content_length": 4194304}}\n' >"$TMP/conf.json"
start_server --config "$TMP/conf.json"
S=http://127.0.0.1:$PORT/api/v1/sightings
L=http://127.0.0.1:$PORT/api/v1/lookup
J="Content-Type: application/json"
post() { curl -s -H "Authorization: Bearer $1" -H "$J" --data-binary "$2" "$S"; }
code() { curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" -H "$J" --data-binary "$2" "$S"; }
look() { curl -s -G -H "Authorization: Bearer $1" --data-urlencode "value=$2" "$L"; }
events() { sqlite3 "$VIGIE_HUB/vigie.db" 'SELECT count(*) FROM object'; }

# ---- the batch -------------------------------------------------------------
r=$(post "$kB" '{"sightings":[{"value":"x.evil[.]com","count":3,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-02T00:00:00Z"},{"value":"secret-c2.net"},{"value":"never-reported.net"},{"value":"1.2.3"}]}')
eq "batch: one accepted, three refused" "1 3" "$(jq -r '"\(.accepted) \(.rejected)"' <<<"$r")"
eq "batch: one result per value, in order" "x.evil[.]com secret-c2.net never-reported.net 1.2.3" "$(jq -r '.results[].value' <<<"$r" | xargs)"
eq "batch: the sighting is of the indicator B may see" "$IND" "$(jq -r '.results[0].indicator' <<<"$r")"
eq "batch: canonical value" x.evil.com "$(jq -r '.results[0].canonical' <<<"$r")"
eq "a value only hidden objects know is refused exactly as an unknown one" \
  "$(jq -c '.results[2] | del(.value)' <<<"$r")" "$(jq -c '.results[1] | del(.value)' <<<"$r")"
check "a value that is no observable says so" grep -q 'not an observable' <<<"$(jq -r '.results[3].reason' <<<"$r")"
sid=$(jq -r '.results[0].id' <<<"$r")
"$VIGIE" export --for B --format stix --type sighting >"$TMP/b_sightings.json"
eq "the sighting is a STIX 2.1 object created by B" \
  "$("$VIGIE" org list --json | jq -r '.[] | select(.name == "B") | .stix_id') $IND 3" \
  "$(jq -r --arg id "$sid" '.objects[] | select(.id == $id) | "\(.created_by_ref) \(.sighting_of_ref) \(.count)"' "$TMP/b_sightings.json")"
r=$(post "$kC" '{"sightings":[{"value":"group-only.net"},{"value":"never-reported.net"}]}')
eq "C outside the group: group-only.net as unknown" \
  "$(jq -c '.results[1] | del(.value)' <<<"$r")" "$(jq -c '.results[0] | del(.value)' <<<"$r")"
r=$(post "$kB" '{"sightings":[{"value":"group-only.net","count":2}]}')
eq "B in the group may sight group-only.net" 1 "$(jq .accepted <<<"$r")"
# a sighting names what it sights: never wider than the indicator
eq "... shared with the indicator's contributor only, at its TLP" "contributor amber" \
  "$(jq -r '.results[0] | "\(.shared_with) \(.tlp)"' <<<"$r")"
gid=$(jq -r '.results[0].id' <<<"$r")
check "... which C (outside the group) does not get by export" \
  test "$("$VIGIE" export --for C --format stix --type sighting | grep -c "$gid")" -eq 0
check "... and A (the contributor) does" \
  test "$("$VIGIE" export --for A --format stix --type sighting | grep -c "$gid")" -eq 1

# ---- reports roll up: one sighting per organisation, value, TLP and day -------
r1=$(post "$kB" '{"tlp":"green","sightings":[{"value":"rollup.net","count":2},{"value":"ROLLUP.net","count":3}]}')
eq "a value twice in a batch: one sighting" 1 "$(jq -r '[.results[].id] | unique | length' <<<"$r1")"
r2=$(post "$kB" '{"tlp":"green","sightings":[{"value":"rollup[.]net","count":5}]}')
rid=$(jq -r '.results[0].id' <<<"$r1")
eq "the next batch: the same sighting, a new version" "$rid" "$(jq -r '.results[0].id' <<<"$r2")"
eq "counts add up; one sighting object" '{"count":10,"sightings":1}' \
  "$(look "$kC" rollup.net | jq -c '.matches[0].sightings | {count, sightings}')"
eq "two versions stored, one counted row" "2 1" \
  "$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT count(*) FROM object WHERE stix_id = '$rid'") $(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT count(*) FROM sighting si JOIN object o ON o.rowid = si.object_rowid WHERE o.stix_id = '$rid'")"
r3=$(post "$kB" '{"tlp":"amber","sightings":[{"value":"rollup.net"}]}')
check "another TLP: another sighting" test "$(jq -r '.results[0].id' <<<"$r3")" != "$rid"
eq "... counted beside the first" '{"count":11,"sightings":2}' \
  "$(look "$kC" rollup.net | jq -c '.matches[0].sightings | {count, sightings}')"

# concurrent batches of one organisation on one value lose no count
echo concurrent.net >"$TMP/conc.txt"
"$VIGIE" import --as A --tlp clear "$TMP/conc.txt" >/dev/null 2>&1
jq -n -c '{tlp: "green", sightings: [range(300) | {value: "concurrent.net"}]}' >"$TMP/conc.json"
cpids=()
for i in 1 2 3 4; do
  curl -s -o "$TMP/conc.$i" -H "Authorization: Bearer $kB" -H "$J" --data-binary "@$TMP/conc.json" "$S" &
  cpids+=($!)
done
wait "${cpids[@]}"
eq "four concurrent batches of 300: all accepted" "300 300 300 300" "$(jq -r .accepted "$TMP"/conc.? | xargs)"
eq "... and counted: 1,200 in one sighting" '{"count":1200,"sightings":1}' \
  "$(look "$kC" concurrent.net | jq -c '.matches[0].sightings | {count, sightings}')"

# ---- counts in the look-up -------------------------------------------------
sc() { look "$1" "$2" | jq -c '[.matches[0].sightings.count, ([.matches[0].sightings.organisations[]?.organisation] | join(","))]'; }
eq "C sees B's sighting of evil.com (through x.evil.com)" '[3,"B"]' "$(sc "$kC" evil.com)"
eq "the queried value's own sightings" 3 "$(look "$kC" x.evil.com | jq .sightings.count)"
eq "times of the sighting" '"2026-01-01T00:00:00.000000Z" "2026-01-02T00:00:00.000000Z"' \
  "$(look "$kC" evil.com | jq -c '.matches[0].sightings | .first_seen, .last_seen' | xargs -d '\n' echo)"
eq "group-only.net: B's sighting, for A" '[2,"B"]' "$(sc "$kA" group-only.net)"
eq "group-only.net: nothing for C" 'null' "$(look "$kC" group-only.net | jq -c .matches)"

# ---- a TLP:RED sighting of A over TAXII ---------------------------------------
before_B=$(look "$kB" evil.com)
before_C=$(look "$kC" x.evil.com)
RED=sighting--0000aaaa-0000-4000-8000-000000000001
AID=$("$VIGIE" org list --json | jq -r '.[] | select(.name == "A") | .stix_id')
T="application/taxii+json;version=2.1"
cat >"$TMP/red_sighting.json" <<JSON
{"objects":[{"type":"sighting","spec_version":"2.1","id":"$RED","created":"2026-02-01T00:00:00Z",
 "modified":"2026-02-01T00:00:00Z","created_by_ref":"$AID","sighting_of_ref":"$IND","count":10,
 "first_seen":"2025-12-01T00:00:00Z","last_seen":"2026-02-01T00:00:00Z",
 "object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}]}
JSON
TX=http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/
st=$(curl -s -H "Authorization: Bearer $kA" -H "Content-Type: $T" -H "Accept: $T" --data-binary "@$TMP/red_sighting.json" "$TX")
eq "TAXII: A's RED sighting accepted" 1 "$(jq .success_count <<<"$st")"
eq "A counts its RED sighting and B's" '[13,"A,B"]' "$(sc "$kA" evil.com)"
eq "A: earliest first_seen is its own" '"2025-12-01T00:00:00.000000Z"' "$(look "$kA" evil.com | jq -c .matches[0].sightings.first_seen)"
eq "B: look-up exactly as before A's RED sighting" "$before_B" "$(look "$kB" evil.com)"
eq "C: look-up exactly as before A's RED sighting" "$before_C" "$(look "$kC" x.evil.com)"
tids() { curl -s -H "Authorization: Bearer $1" -H "Accept: $T" "$TX?match%5Btype%5D=sighting" | jq -r '[.objects[]?.id] | join(",")'; }
eq "TAXII: A lists its RED sighting" "$RED" "$(tids "$kA")"
eq "TAXII: B does not" "" "$(tids "$kB")"
eq "TAXII: B asking for it by id: as an id never stored" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kB" -H "Accept: $T" "${TX}sighting--0000aaaa-0000-4000-8000-00000000ffff/")" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kB" -H "Accept: $T" "$TX$RED/")"
# a CLEAR marker after it: B's stream ends there without the RED sighting
echo marker-after.net >"$TMP/marker.txt"
"$VIGIE" import --as A --tlp clear "$TMP/marker.txt" >/dev/null
nB=$("$VIGIE" export --for B --format stix --all-versions | jq '[.objects[] | select(.type != "identity" and .type != "marking-definition")] | length')
U=http://127.0.0.1:$PORT
VIGIE_KEY=$kB timeout 20 "$VIGIE" follow "$U" --from 0 --max-events "$nB" >"$TMP/b_stream" 2>/dev/null || true
eq "stream: B gets every event it may see, up to the marker" "marker-after.net" \
  "$(tail -n 1 "$TMP/b_stream" | jq -r '.data.pattern' | grep -o 'marker-after.net')"
check "stream: B's own sighting is an event 'sighting'" grep -q "\"event\":\"sighting\".*$sid" "$TMP/b_stream"
check "stream: not A's RED sighting" test "$(grep -c "$RED" "$TMP/b_stream")" -eq 0
VIGIE_KEY=$kA timeout 20 "$VIGIE" follow "$U" --from 0 --max-events "$(events)" >"$TMP/a_stream" 2>/dev/null || true
check "stream: A, who may see every event, gets its RED sighting" grep -q "\"event\":\"sighting\".*$RED" "$TMP/a_stream"

# ---- a RED batch of B ----------------------------------------------------------
r=$(post "$kB" '{"tlp":"red","sightings":[{"value":"evil.com","count":100}]}')
eq "RED batch accepted" 1 "$(jq .accepted <<<"$r")"
eq "B counts its RED sighting" '[103,"B"]' "$(sc "$kB" evil.com)"
eq "C does not: as before" "$before_C" "$(look "$kC" x.evil.com)"
eq "A does not see B's RED sighting" '[13,"A,B"]' "$(sc "$kA" evil.com)"

echo red-shared.net >"$TMP/redb.txt"
"$VIGIE" import --as A --tlp red --share-with B "$TMP/redb.txt" >/dev/null
r=$(post "$kB" '{"tlp":"green","sightings":[{"value":"red-shared.net"},{"value":"clear-two.net"}]}')
eq "a RED indicator shared with B: B's sighting is RED, for A only" "contributor red" \
  "$(jq -r '.results[0] | "\(.shared_with) \(.tlp)"' <<<"$r")"
eq "a CLEAR indicator: the sighting at the TLP asked, for the community" "community green" \
  "$(jq -r '.results[1] | "\(.shared_with) \(.tlp)"' <<<"$r")"
check "A sees B's RED sighting of its RED indicator" \
  test "$(look "$kA" red-shared.net | jq .matches[0].sightings.count)" -eq 1

# ---- by import (the CLI path) ------------------------------------------------------
cat >"$TMP/imp.json" <<JSON
{"type":"bundle","id":"bundle--0000bbbb-0000-4000-8000-000000000001","objects":[
 {"type":"sighting","spec_version":"2.1","id":"sighting--0000bbbb-0000-4000-8000-000000000002",
  "created":"2026-03-01T00:00:00Z","modified":"2026-03-01T00:00:00Z","sighting_of_ref":"$IND","count":7}]}
JSON
"$VIGIE" import --as C --tlp green "$TMP/imp.json" >/dev/null
eq "import: C's sighting counted for B" '[110,"B,C"]' "$(sc "$kB" evil.com)"
printf '{"type":"bundle","id":"bundle--0000bbbb-0000-4000-8000-000000000003","objects":[{"type":"sighting","spec_version":"2.1","id":"sighting--0000bbbb-0000-4000-8000-000000000004","created":"2026-03-01T00:00:00Z","modified":"2026-03-01T00:00:00Z","sighting_of_ref":"%s","count":-1}]}' "$IND" >"$TMP/bad.json"
"$VIGIE" import --as C "$TMP/bad.json" >"$TMP/bad.out" 2>&1 || true
check "import: a negative count is refused" grep -q "count" "$TMP/bad.out"

# ---- hostile batches: clear errors, nothing stored ------------------------------
n0=$(events)
eq "truncated JSON: 400" 400 "$(code "$kB" '{"sightings":[{"value":"evil.com"')"
check "truncated JSON: says so" grep -q 'not JSON' "$TMP/body"
eq "wrong type: 400" 400 "$(code "$kB" '{"sightings":[{"value":"evil.com","count":"3"}]}')"
check "wrong type: names the member" grep -q 'sightings\[0\].count' "$TMP/body"
eq "not an array: 400" 400 "$(code "$kB" '{"sightings":{"value":"evil.com"}}')"
eq "unknown member: 400" 400 "$(code "$kB" '{"sightings":[],"tlp":"green","extra":1}')"
eq "bad TLP: 400" 400 "$(code "$kB" '{"tlp":"purple","sightings":[{"value":"evil.com"}]}')"
deep=$(printf '{"sightings":%s%s}' "$(printf '[%.0s' $(seq 1 5000))" "$(printf ']%.0s' $(seq 1 5000))")
eq "deeply nested: 400" 400 "$(code "$kB" "$deep")"
printf '{"sightings":[{"value":"\xff\xfe"}]}' >"$TMP/bad_utf8"
eq "mis-encoded: 400" 400 "$(code "$kB" "@$TMP/bad_utf8")"
{ printf '{"sightings":['; seq 1 100001 | awk '{ printf "%s{\"value\":\"evil.com\"}", (NR > 1 ? "," : "") }'; printf ']}'; } >"$TMP/big"
eq "100,001 values: 413" 413 "$(code "$kB" "@$TMP/big")"
check "100,001 values: says the limit" grep -q '100000' "$TMP/body"
head -c 5000000 /dev/zero | tr '\0' ' ' >"$TMP/huge"
eq "a body over max_content_length: 413" 413 "$(code "$kB" "@$TMP/huge")"
eq "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H "$J" --data-binary '{"sightings":[]}' "$S")"
eq "a read-only key: 403" 403 "$(code "$kBr" '{"sightings":[{"value":"evil.com"}]}')"
eq "not JSON content: 415" 415 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kB" --data-binary '{"sightings":[]}' "$S")"
eq "GET: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kB" "$S")"
eq "nothing was stored by refused batches" "$n0" "$(events)"
eq "an empty batch is fine" '0 0' "$(post "$kB" '{"sightings":[]}' | jq -r '"\(.accepted) \(.rejected)"')"

# ---- vigie match --sightings ---------------------------------------------------------
printf 'GET http://www.evil.com/a\nfoo EVIL.com bar\nbaz evil.com\nsecret-c2.net\nnothing\n' >"$TMP/log"
"$VIGIE" match --for C --sightings "http://127.0.0.1:$PORT" --key "$kC" "$TMP/log" >"$TMP/hits" 2>"$TMP/match.err"
eq "match --sightings: exit 0" 0 $?
eq "match --sightings: hits still printed" 3 "$(wc -l <"$TMP/hits")"
check "match --sightings: a summary on stderr" grep -q 'reported 3 hits as 2 sightings' "$TMP/match.err"
eq "C's sightings: evil.com twice (EVIL.com and evil.com aggregated) plus www.evil.com" \
  '[{"organisation":"C","count":10,"sightings":3}]' \
  "$(look "$kC" evil.com | jq -c '[.matches[0].sightings.organisations[] | select(.organisation == "C") | {organisation, count, sightings}]')"
eq "the URL itself: the one sighting that carries it" '[1,"C"]' \
  "$(look "$kC" http://www.evil.com/a | jq -c '[.sightings.count, ([.sightings.organisations[].organisation] | join(","))]')"
if "$VIGIE" match --for C --sightings "http://127.0.0.1:$PORT" --key wrong "$TMP/log" >/dev/null 2>"$TMP/m2.err"; then
  not_ok "match --sightings with a bad key fails"
else
  ok "match --sightings with a bad key fails"
fi
check "... and says why" grep -q 'HTTP 401' "$TMP/m2.err"
if "$VIGIE" match --for C --sightings "http://127.0.0.1:1" --key "$kC" "$TMP/log" >/dev/null 2>"$TMP/m3.err"; then
  not_ok "match --sightings to no server fails"
else
  ok "match --sightings to no server fails"
fi
check "... and says why" grep -q 'reporting sightings' "$TMP/m3.err"
seq 1 2500 | awk '{ printf "hit %d evil.com\n", $1 }' >"$TMP/many"
"$VIGIE" match --for C --count --sightings "http://127.0.0.1:$PORT" --key "$kC" "$TMP/many" >/dev/null 2>"$TMP/m4.err"
check "repeated hits: one value, counted" grep -q 'reported 2500 hits as 1 sightings' "$TMP/m4.err"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
check "the hub is consistent" "$VIGIE" check

# ---- a hub from before migration 9: its sightings are counted once upgraded --------
if command -v sqlite3 >/dev/null; then
  want=$("$VIGIE" lookup --for A evil.com | jq -c '.matches[0].sightings | {count, sightings}')
  sqlite3 "$VIGIE_HUB/vigie.db" 'DROP TABLE sighting; PRAGMA user_version = 8;'
  eq "migration 9 fills the sightings stored before it" "$want" \
    "$("$VIGIE" lookup --for A evil.com | jq -c '.matches[0].sightings | {count, sightings}')"
  check "... and the hub is consistent" "$VIGIE" check
fi
finish
