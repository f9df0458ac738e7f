#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Access and robustness scenarios (../shared/SCENARIOS.md) that no other test
# covered, against the real server on loopback and a real SQLite hub; the
# map of which test covers which scenario is docs/scenarios.md.
#   #2  a hidden id answers byte for byte (status, headers, body) as an id
#       never stored, on every object-level path
#   #4  a new version with a wider TLP by someone other than the contributor
#   #6  references to a hidden object (relationship, sighting, report) answer
#       as references to an id never stored
#   #7  a live stream subscriber and an object tightened to RED
#   #8  a disabled organisation's key on every write path
#   #9  created_by_ref naming another organisation over TAXII
#   #10 "on behalf of" headers and parameters ignored; empty credentials deny
#   #11 no HTTP route creates, resets or reads keys
#   #12 every route x method x Accept / Content-Type: the same authorisation
#   #13 SQL-injection-looking values in every filter: 400 or empty, never a
#       5xx, nothing changed
#   #14 no secret or key hash in the log, exports, bundles, stream or ledger
#   #15 the checkpoint after a kill -9 restart is consistent with the last one
#   #19 a retried POST (same id and modified): one version, one ledger leaf,
#       also across a kill -9
#   #20 reads racing a revocation (and an organisation's disabling)
#   #21 a digest of the store across a clean and a kill -9 restart; a
#       tampered backup is caught
#   #24 duplicate Content-Length, Content-Length with Transfer-Encoding, huge
#       headers over a raw socket: no 5xx, the server keeps serving
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
DB=$VIGIE_HUB/vigie.db
T="application/taxii+json;version=2.1"
"$VIGIE" init --name op >/dev/null
for o in A B C D E; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes "$2" --json | jq -r .secret; }
kA=$(key A read,write) kB=$(key B read,write) kC=$(key C read) kD=$(key D read,write)
kE=$(key E read) kR=$(key C read) kop=$(key op read,write,admin)
idA=$("$VIGIE" org show A --json | jq -r .stix_id)
idB=$("$VIGIE" org show B --json | jq -r .stix_id)
cid=$("$VIGIE" collection add feed --read community --write community --json | jq -r .id)

# A's objects: GREEN (everyone), AMBER for group g (A, B), RED (A alone).
ind() { # ind ID VALUE [MODIFIED] [MARKING]
  printf '{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00Z","modified":"%s","pattern":"[domain-name:value = '"'"'%s'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}' \
    "$1" "${3:-2026-01-01T00:00:00Z}" "$2" "${4:+,\"object_marking_refs\":[\"$4\"]}"
}
CLEAR=marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487
gid=indicator--a0000000-0000-4000-8000-000000000001
aid=indicator--a0000000-0000-4000-8000-000000000002
rid=indicator--a0000000-0000-4000-8000-000000000003
never=indicator--a0000000-0000-4000-8000-0000000000ff
RED_VALUE=red-secret-c2.net
ind $gid green-c2.net >"$TMP/g.json"
ind $aid amber-c2.net >"$TMP/a.json"
ind $rid $RED_VALUE >"$TMP/r.json"
"$VIGIE" import --as A --tlp green --collection feed "$TMP/g.json" >/dev/null
"$VIGIE" import --as A --tlp amber --group g --collection feed "$TMP/a.json" >/dev/null
"$VIGIE" import --as A --tlp red --collection feed "$TMP/r.json" >/dev/null
"$VIGIE" import --as D --tlp green --collection feed <(ind indicator--d0000000-0000-4000-8000-000000000001 d-c2.net) >/dev/null

echo '{"stream": {"heartbeat_s": 1}}' >"$TMP/conf.json"
start_server --threads 2 --config "$TMP/conf.json"
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
H=http://127.0.0.1:$PORT
C=$H/taxii2/root/collections/$cid
code() { curl -s -m 20 -o /dev/null -w '%{http_code}' "$@"; }
# stream_until_idle FILE CURL-ARGS...: read a stream until it is idle (its
# first heartbeat: everything already due has been sent) or refused.
stream_until_idle() {
  local f=$1 pid; shift
  rm -f "$f" # curl creates it only when the first byte arrives
  curl -s -N -m 120 -o "$f" "$@" &
  pid=$!
  for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || break
    grep -q '^: keep-alive' "$f" 2>/dev/null && break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # the status: a stream opens with its retry delay, a refusal is a JSON error
  if head -1 "$f" 2>/dev/null | grep -q '^retry:'; then echo 200; else jq -r .http_status "$f" 2>/dev/null || echo none; fi
}
post() { # post KEY ENVELOPE -> status resource
  curl -s -m 20 -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $1" \
    --data-binary "$2" "$C/objects/"
}
# The store as data: objects, audiences, claims, ledger, artefacts, statuses.
digest() {
  sqlite3 "$DB" "SELECT rowid, stix_id, modified_us, date_added_us, tlp, org_id, collection_id, seq, json FROM object ORDER BY rowid;
    SELECT * FROM object_audience ORDER BY 1, 2; SELECT * FROM claim ORDER BY 1, 2;
    SELECT * FROM observable ORDER BY id; SELECT idx, obj, key_id, hex(hash) FROM ledger ORDER BY idx;
    SELECT id, stix_id, hex(sha256) FROM artefact ORDER BY id;
    SELECT id, revoked FROM api_key ORDER BY id; SELECT id, disabled FROM org ORDER BY id;" | sha256sum
}
# ... and everything else: status resources, checkpoints, the whole dump.
fulldigest() { { digest; sqlite3 "$DB" .dump | sort; } | sha256sum; }

# A's artefact on its RED object.
printf 'RED case file\n' >"$TMP/red.bin"
rsha=$(sha256sum "$TMP/red.bin" | cut -d' ' -f1)
eq "setup: A attaches a file to its RED object" 201 \
  "$(code -X POST -H "Authorization: Bearer $kA" -H 'Content-Type: application/octet-stream' --data-binary @"$TMP/red.bin" "$H/api/v1/objects/$rid/artefacts")"
rmod=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kA" "$C/objects/$rid/" | jq -r '.objects[0].modified')
eq "setup: A sees its RED object" 2026-01-01T00:00:00Z "$rmod"

# ---------------------------------------------------------------- #2
echo "# ${SECONDS}s: #2"
# Status line, headers (Date aside) and body of an answer, the two ids
# replaced by one placeholder.
answer() { # answer FILE CURL-ARGS...
  local f=$1; shift
  curl -s -m 20 -D "$f.h" -o "$f.b" "$@"
  { grep -vi '^date:' "$f.h"; cat "$f.b"; } | sed -e "s/$rid/ID/g" -e "s/$never/ID/g" \
    -e "s/$RED_VALUE/VALUE/g" -e "s/unreported-c2.net/VALUE/g" >"$f"
}
same() { # same DESCRIPTION CURL-ARGS-WITH-@ID@... : for B, RED id vs never stored
  local d=$1; shift
  answer "$TMP/s1" "${@//@ID@/$rid}"
  answer "$TMP/s2" "${@//@ID@/$never}"
  local st
  st=$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/s1.h")
  if cmp -s "$TMP/s1" "$TMP/s2" && ! grep -q "$RED_VALUE\|$rsha" "$TMP/s1.b"; then ok "#2 $d: as an id never stored ($st)"
  else not_ok "#2 $d: as an id never stored: $(diff "$TMP/s1" "$TMP/s2" | head -5)"; fi
}
BT=(-H "Accept: $T" -H "Authorization: Bearer $kB")
BK=(-H "Authorization: Bearer $kB")
same "object" "${BT[@]}" "$C/objects/@ID@/"
same "object, all versions" "${BT[@]}" "$C/objects/@ID@/?match%5Bversion%5D=all"
same "object, by its version" "${BT[@]}" "$C/objects/@ID@/?match%5Bversion%5D=2026-01-01T00:00:00Z"
same "object without the trailing slash" "${BT[@]}" "$C/objects/@ID@"
same "versions" "${BT[@]}" "$C/objects/@ID@/versions/"
same "objects filtered by match[id]" "${BT[@]}" "$C/objects/?match%5Bid%5D=@ID@"
same "objects filtered by match[id] and all versions" "${BT[@]}" "$C/objects/?match%5Bid%5D=@ID@&match%5Bversion%5D=all"
same "manifest filtered by match[id]" "${BT[@]}" "$C/manifest/?match%5Bid%5D=@ID@"
same "DELETE" -X DELETE "${BT[@]}" "$C/objects/@ID@/"
same "ledger inclusion proof" "${BK[@]}" "$H/api/v1/ledger/inclusion?id=@ID@"
same "ledger inclusion proof of a version" "${BK[@]}" "$H/api/v1/ledger/inclusion?id=@ID@&version=2026-01-01T00:00:00Z"
same "artefact list" "${BK[@]}" "$H/api/v1/objects/@ID@/artefacts"
same "artefact upload" -X POST "${BK[@]}" -H 'Content-Type: application/octet-stream' --data-binary x "$H/api/v1/objects/@ID@/artefacts"
answer "$TMP/s1" "${BK[@]}" "$H/api/v1/artefacts/$rsha"
answer "$TMP/s2" "${BK[@]}" "$H/api/v1/artefacts/$(printf 'never' | sha256sum | cut -d' ' -f1)"
check "#2 artefact download: as a hash never stored ($(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/s1.h"))" cmp -s "$TMP/s1" "$TMP/s2"
answer "$TMP/s1" "${BK[@]}" "$H/api/v1/lookup?value=$RED_VALUE"
answer "$TMP/s2" "${BK[@]}" "$H/api/v1/lookup?value=unreported-c2.net"
check "#2 look-up GET: as a value never reported ($(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/s1.h"))" cmp -s "$TMP/s1" "$TMP/s2"
answer "$TMP/s1" "${BK[@]}" --data-binary "$RED_VALUE" "$H/api/v1/lookup"
answer "$TMP/s2" "${BK[@]}" --data-binary unreported-c2.net "$H/api/v1/lookup"
check "#2 look-up POST: as a value never reported ($(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/s1.h"))" cmp -s "$TMP/s1" "$TMP/s2"
eq "#2 the contributor does get its RED object" "$rid" "$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kA" "$C/objects/$rid/" | jq -r '.objects[0].id')"

# ---------------------------------------------------------------- #4, #5
echo "# ${SECONDS}s: #4, #5"
before=$(digest)
r=$(post "$kB" "{\"objects\":[$(ind $aid amber-c2.net 2026-02-01T00:00:00Z $CLEAR)]}")
eq "#4 B sends a CLEAR version of A's AMBER group object: refused" "1 0 1" \
  "$(jq -r '"\(.total_count) \(.success_count) \(.failure_count)"' <<<"$r")"
check "#4 ... saying only the contributor may version it" grep -q "only its contributor" <<<"$(jq -r '.failures[0].message' <<<"$r")"
r=$(post "$kB" "{\"objects\":[$(ind $gid green-c2.net 2026-02-01T00:00:00Z $CLEAR)]}")
eq "#4 B sends a CLEAR version of A's GREEN object: refused" 1 "$(jq .failure_count <<<"$r")"
eq "#4 nothing stored by the refusals" "$before" "$(digest)"
eq "#4 C (outside the group) still cannot see the AMBER object" 404 "$(code -H "Accept: $T" -H "Authorization: Bearer $kC" "$C/objects/$aid/")"
eq "#4 ... nor find its value" 0 "$(curl -s -H "Authorization: Bearer $kC" "$H/api/v1/lookup?value=amber-c2.net" | jq '.matches | length')"
eq "#4 A's objects keep one version each" "1 1" \
  "$(for i in $aid $gid; do curl -s -H "Accept: $T" -H "Authorization: Bearer $kA" "$C/objects/$i/versions/" | jq '.versions | length'; done | xargs)"
# #5: one envelope naming B's own object and A's: A's part fails, A's object is untouched.
r=$(post "$kB" "{\"objects\":[$(ind indicator--b0000000-0000-4000-8000-000000000001 b-own.net),$(ind $aid amber-c2.net 2026-03-01T00:00:00Z $CLEAR)]}")
eq "#5 an envelope naming another's object: that object fails" "$aid" "$(jq -r '.failures[0].id' <<<"$r")"
eq "#5 ... and A's object is unchanged" 1 "$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kA" "$C/objects/$aid/versions/" | jq '.versions | length')"

# ---------------------------------------------------------------- #6
echo "# ${SECONDS}s: #6"
refs() { # refs TARGET N -> a relationship, a sighting and a report pointing at TARGET
  printf '{"type":"relationship","spec_version":"2.1","id":"relationship--b6000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"indicates","source_ref":"%s","target_ref":"malware--b6000000-0000-4000-8000-000000000000"},' "$2" "$1"
  printf '{"type":"sighting","spec_version":"2.1","id":"sighting--b6000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","sighting_of_ref":"%s"},' "$2" "$1"
  printf '{"type":"report","spec_version":"2.1","id":"report--b6000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"r","published":"2026-01-01T00:00:00Z","object_refs":["%s"]}' "$2" "$1"
}
r1=$(post "$kB" "{\"objects\":[$(refs $rid 1)]}")
r2=$(post "$kB" "{\"objects\":[$(refs $never 2)]}")
strip_status() { jq -c 'del(.id, .request_timestamp) | .successes |= map(del(.id)) | .failures |= map(del(.id))'; }
eq "#6 B's references to A's hidden object: accepted as references to an id never stored" \
  "$(strip_status <<<"$r2")" "$(strip_status <<<"$r1")"
eq "#6 ... all three stored" "3 3" "$(jq -r '"\(.total_count) \(.success_count)"' <<<"$r1")"
r=$(post "$kA" "{\"objects\":[$(refs $rid 3 | sed 's/"modified":"2026-01-01T00:00:00Z"/&,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]/g')]}")
eq "#6 A's RED relationship, sighting and report about its RED object: stored" 3 "$(jq .success_count <<<"$r")"
for t in relationship sighting report; do
  eq "#6 B does not get A's RED $t" 404 "$(code "${BT[@]}" "$C/objects/$t--b6000000-0000-4000-8000-000000000003/")"
  eq "#6 ... nor list it" 0 "$(curl -s "${BT[@]}" "$C/objects/?match%5Btype%5D=$t&limit=1000" | jq "[.objects[]?.id | select(endswith(\"000000000003\"))] | length")"
done
# A's CLEAR relationship, sighting and report about its own RED object: the
# hub narrows them to who may see the target (A), so B gets them as never
# stored, and A still does.
r=$(post "$kA" "{\"objects\":[$(refs $rid 4 | sed "s/\"modified\":\"2026-01-01T00:00:00Z\"/&,\"object_marking_refs\":[\"$CLEAR\"]/g")]}")
eq "#6 A's CLEAR relationship, sighting and report about its RED object: stored" 3 "$(jq .success_count <<<"$r")"
for t in relationship sighting report; do
  answer "$TMP/h6" "${BT[@]}" "$C/objects/$t--b6000000-0000-4000-8000-000000000004/"
  answer "$TMP/n6" "${BT[@]}" "$C/objects/$t--b6000000-0000-4000-8000-000000000099/"
  sed -i 's/000000000004/N/g; s/000000000099/N/g' "$TMP/h6" "$TMP/n6"
  check "#6 B does not get A's CLEAR $t about the RED object: as one never stored" cmp -s "$TMP/h6" "$TMP/n6"
  eq "#6 ... nor list it" 0 "$(curl -s "${BT[@]}" "$C/objects/?match%5Btype%5D=$t&limit=1000" | jq "[.objects[]?.id | select(endswith(\"000000000004\"))] | length")"
  eq "#6 ... A does get it" 200 "$(code -H "Accept: $T" -H "Authorization: Bearer $kA" "$C/objects/$t--b6000000-0000-4000-8000-000000000004/")"
done
check "#6 ... nor B's export" bash -c "! '$VIGIE' export --for B | grep -q 'b6000000-0000-4000-8000-000000000004'"
eq "#6 B's stream from the start opens" 200 "$(stream_until_idle "$TMP/b6" -H "Authorization: Bearer $kB" "$H/api/v1/stream?from=0")"
check "#6 the stream from the start does not carry them to B" bash -c \
  "grep -q b-own '$TMP/b6' && ! grep -q 'b6000000-0000-4000-8000-00000000000[34]\|$RED_VALUE' '$TMP/b6'"

# ---------------------------------------------------------------- #8
echo "# ${SECONDS}s: #8"
eq "#8 D writes while in good standing" 202 "$(code -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $kD" \
  --data-binary "{\"objects\":[$(ind indicator--d0000000-0000-4000-8000-000000000002 d2-c2.net)]}" "$C/objects/")"
"$VIGIE" org disable D >/dev/null
before=$(digest)
DK=(-H "Authorization: Bearer $kD")
eq "#8 disabled: TAXII POST refused" 401 "$(code -X POST -H "Accept: $T" -H "Content-Type: $T" "${DK[@]}" \
  --data-binary "{\"objects\":[$(ind indicator--d0000000-0000-4000-8000-000000000003 d3-c2.net)]}" "$C/objects/")"
eq "#8 disabled: TAXII DELETE of its own object refused" 401 "$(code -X DELETE -H "Accept: $T" "${DK[@]}" "$C/objects/indicator--d0000000-0000-4000-8000-000000000001/")"
eq "#8 disabled: artefact upload to its own object refused" 401 "$(code -X POST "${DK[@]}" -H 'Content-Type: application/octet-stream' --data-binary x "$H/api/v1/objects/indicator--d0000000-0000-4000-8000-000000000001/artefacts")"
eq "#8 disabled: Basic authentication refused too" 401 "$(code -X POST -H "Accept: $T" -H "Content-Type: $T" -u "${kD%%.*}:$kD" --data-binary '{"objects":[]}' "$C/objects/")"
check "#8 disabled: vigie import --as D refused" bash -c "! '$VIGIE' import --as D --collection feed <(echo d4-c2.net) >/dev/null 2>&1"
eq "#8 nothing written" "$before" "$(digest)"
check "#8 a key without an organisation cannot be made" bash -c "! '$VIGIE' key create --scopes write >/dev/null 2>&1"
planted=vk_00000000000000ff.${kB#*.}
sqlite3 "$DB" "INSERT INTO api_key(id, org_id, secret_hash, scopes, created_us) SELECT 'vk_00000000000000ff', 999, X'$(printf %s "$planted" | sha256sum | cut -d' ' -f1)', scopes, created_us FROM api_key WHERE id = '${kB%%.*}'"
eq "#8 a key whose organisation does not exist (planted in SQL): refused" 401 \
  "$(code -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $planted" --data-binary '{"objects":[]}' "$C/objects/")"
sqlite3 "$DB" "DELETE FROM api_key WHERE id = 'vk_00000000000000ff'"

# ---------------------------------------------------------------- #9
echo "# ${SECONDS}s: #9"
spoof=$(ind indicator--b9000000-0000-4000-8000-000000000001 spoof.net | sed "s/}\$/,\"created_by_ref\":\"$idA\"}/")
before=$(digest)
r=$(post "$kB" "{\"objects\":[$spoof]}")
eq "#9 TAXII POST by B claiming to be A: refused" "0 1" "$(jq -r '"\(.success_count) \(.failure_count)"' <<<"$r")"
check "#9 ... naming created_by_ref" grep -q created_by_ref <<<"$(jq -r '.failures[0].message' <<<"$r")"
eq "#9 ... nothing stored" "$before" "$(digest)"
own=$(ind indicator--b9000000-0000-4000-8000-000000000002 own.net | sed "s/}\$/,\"created_by_ref\":\"$idB\"}/")
eq "#9 claiming its own identity: accepted" 1 "$(post "$kB" "{\"objects\":[$own]}" | jq .success_count)"
eq "#9 the record's organisation is the key's" B \
  "$(sqlite3 "$DB" "SELECT o.name FROM object x JOIN org o ON o.id = x.org_id WHERE x.stix_id = 'indicator--b9000000-0000-4000-8000-000000000002'")"

# ---------------------------------------------------------------- #10
echo "# ${SECONDS}s: #10"
who() { curl -s "$@" "$H/api/v1/whoami" | jq -r .organisation; }
for h in "X-Vigie-Org: A" "X-Forwarded-User: A" "X-Remote-User: A" "X-On-Behalf-Of: $idA" "Forwarded: for=A;by=A" "X-Organisation: $idA"; do
  eq "#10 '$h' from B: still B" B "$(who -H "Authorization: Bearer $kB" -H "$h")"
  eq "#10 '$h' from B: A's RED object still hidden" 404 "$(code "${BT[@]}" -H "$h" "$C/objects/$rid/")"
  eq "#10 '$h' from the admin key: still the operator" op "$(who -H "Authorization: Bearer $kop" -H "$h")"
  eq "#10 '$h' without a key: 401" 401 "$(code -H "$h" "$H/api/v1/whoami")"
done
eq "#10 ?org=A&as=A&on_behalf_of=A from B: still hidden" 404 "$(code "${BT[@]}" "$C/objects/$rid/?org=A&as=A&on_behalf_of=$idA&for=A")"
eq "#10 ... and the look-up as B" 0 "$(curl -s "${BK[@]}" "$H/api/v1/lookup?value=$RED_VALUE&org=A&for=A&as=A" | jq '.matches | length')"
curl -s -o "$TMP/ref401" "$H/api/v1/whoami"
empty() { # empty DESCRIPTION CURL-ARGS...
  local d=$1; shift
  eq "#10 $d: 401" 401 "$(curl -s -o "$TMP/e401" -w '%{http_code}' "$@" "$H/api/v1/whoami")"
  check "#10 $d: the same body as no credentials" cmp -s "$TMP/ref401" "$TMP/e401"
}
empty "an empty Authorization header" -H 'Authorization;'
empty "Bearer and nothing" -H 'Authorization: Bearer '
empty "Bearer with only the key id" -H "Authorization: Bearer ${kB%%.*}"
empty "Bearer with the id and an empty secret" -H "Authorization: Bearer ${kB%%.*}."
empty "Basic with an empty user and password" -H "Authorization: Basic $(printf ':' | base64)"
empty "Basic with the key id and no password" -H "Authorization: Basic $(printf '%s:' "${kB%%.*}" | base64)"
empty "Basic with the key id as the password" -u "${kB%%.*}:${kB%%.*}"
empty "two Authorization headers, one valid" -H "Authorization: Bearer nope.nope" -H "Authorization: Bearer $kB"
empty "an unknown scheme" -H "Authorization: Token $kB"

# ---------------------------------------------------------------- #11
echo "# ${SECONDS}s: #11"
bad11=""
for p in /api/v1/keys /api/v1/key /api/v1/keys/${kB%%.*} /api/v1/orgs /api/v1/admin/keys; do
  for m in GET POST PUT DELETE; do
    c=$(code -X $m -H "Authorization: Bearer $kop" -H 'Content-Type: application/json' --data-binary "{\"org\":\"B\",\"scopes\":[\"admin\"]}" "$H$p")
    [ "$c" = 404 ] || [ "$c" = 400 ] || bad11="$bad11 $m:$p:$c"
  done
done
eq "#11 no HTTP route creates, resets or reads keys, even for an admin key" "" "$bad11"
check "#11 whoami never shows a secret" bash -c "! curl -s -H 'Authorization: Bearer $kB' '$H/api/v1/whoami' | grep -q '${kB#*.}'"
check "#11 vigie key list shows no secret" bash -c "! '$VIGIE' key list --json | grep -q '${kB#*.}'"

# ---------------------------------------------------------------- #12
echo "# ${SECONDS}s: #12"
before=$(digest)
routes=(/api/v1/whoami /metrics /taxii2/ /taxii2/root/ /taxii2/root/collections/ "/taxii2/root/collections/$cid/"
  "/taxii2/root/collections/$cid/objects/" "/taxii2/root/collections/$cid/objects/$rid/"
  "/taxii2/root/collections/$cid/objects/$rid/versions/" "/taxii2/root/collections/$cid/manifest/"
  /api/v1/stream "/api/v1/lookup?value=green-c2.net" /api/v1/ledger/checkpoint "/api/v1/ledger/inclusion?id=$rid"
  "/api/v1/ledger/consistency?from=1&to=2" "/api/v1/objects/$rid/artefacts" "/api/v1/artefacts/$rsha")
leaks=""
probe() { # probe WHO TYPES KEY-ARGS: every route x method x media type
  local who=$1 r m c ty tys
  IFS='|' read -r -a tys <<<"$2"
  shift 2
  for r in "${routes[@]}"; do
    for m in GET HEAD POST PUT PATCH DELETE OPTIONS; do
      for ty in "${tys[@]}"; do
        # a valid key may open the stream (a legitimate read, which would not end)
        [ "$who" != none ] && [ "$r" = /api/v1/stream ] && [ $m = GET ] && continue
        if [ $m = HEAD ]; then
          c=$(curl -s -m 20 -I -o "$TMP/p" -w '%{http_code}' "$@" -H "Accept: $ty" "$H$r")
        else
          c=$(curl -s -m 20 -X $m -o "$TMP/p" -w '%{http_code}' "$@" -H "Accept: $ty" -H "Content-Type: $ty" \
            -H 'X-HTTP-Method-Override: GET' --data-binary "{\"objects\":[$(ind indicator--c1200000-0000-4000-8000-000000000001 x12.net)]}" "$H$r")
        fi
        if grep -q "$RED_VALUE\|RED case file" "$TMP/p"; then leaks="$leaks $who:$m:$r:$ty:leak"; fi
        case $who:$c in
          none:2* | none:3*) leaks="$leaks $who:$m:$r:$ty:$c" ;;
          *:5*) leaks="$leaks $who:$m:$r:$ty:$c" ;;
        esac
        # C (read-only outsider): nothing of A's RED object, no admin, no write
        case $who:$c:$r in
          C:2*:*$rid* | C:2*:*$rsha* | C:2*:/metrics | C:2*:*ledger/inclusion*) leaks="$leaks $who:$m:$r:$ty:$c" ;;
        esac
        if [ "$who" = C ] && [[ $c = 2* ]] && [ $m != GET ] && [ $m != HEAD ] && [[ $r != /api/v1/lookup* ]] && [ $r != /api/v1/whoami ]; then
          leaks="$leaks $who:$m:$r:$ty:$c"
        fi
      done
    done
  done
}
probe none "$T|application/json"
probe revoked "text/html" -H "Authorization: Bearer vk_0123456789abcdef.${kC#*.}"
probe C "$T|application/x-www-form-urlencoded" -H "Authorization: Bearer $kC"
eq "#12 no method, Accept or Content-Type opens a route without a key, a write to a read-only key, A's RED object to C, or a 5xx" "" "$leaks"
eq "#12 nothing was written by any of them" "$before" "$(digest)"
check "#12 the server is still up" test "$(code "$H/api/v1/health")" = 200

# ---------------------------------------------------------------- #13
echo "# ${SECONDS}s: #13"
before=$(digest)
inj=("' OR '1'='1" "1' OR 1=1--" "x\"); DROP TABLE object;--" "%' OR 1=1 --" "' UNION SELECT json FROM object--"
  "%" "indicator--a0000000-0000-4000-8000-000000000003' OR 'x'='x" "9999999999999999999999"
  "2026-01-01T00:00:00Z' OR '1'='1" "$(printf 'x%.0s' $(seq 1 3000))" $'a\tb\nc\x01')
CK=(-H "Accept: $T" -H "Authorization: Bearer $kC")
bad13=""
visible_c=$(curl -s "${CK[@]}" "$C/objects/?limit=1000&match%5Bversion%5D=all" | jq '.objects | length')
for v in "${inj[@]}"; do
  for p in "match[id]" "match[type]" "match[version]" "match[spec_version]" added_after next limit; do
    for path in objects/ manifest/ "objects/$gid/" "objects/$gid/versions/"; do
      c=$(curl -s -m 20 -G -o "$TMP/i" -w '%{http_code}' "${CK[@]}" --data-urlencode "$p=$v" "$C/$path")
      case $c in
        200) n=$(jq '(.objects // .versions // []) | length' "$TMP/i" 2>/dev/null || echo bad)
             { [ "$n" != bad ] && [ "$n" -le "$visible_c" ] && ! grep -q "$RED_VALUE\|amber-c2" "$TMP/i"; } || bad13="$bad13 $path?$p:$c:$n" ;;
        400 | 404 | 413 | 414) ;;
        *) bad13="$bad13 $path?$p:$c" ;;
      esac
    done
  done
  for p in value; do
    c=$(curl -s -m 20 -G -o "$TMP/i" -w '%{http_code}' -H "Authorization: Bearer $kC" --data-urlencode "$p=$v" "$H/api/v1/lookup")
    case $c in 200 | 400 | 413 | 414) ;; *) bad13="$bad13 lookup:$c" ;; esac
    grep -q "$RED_VALUE\|amber-c2" "$TMP/i" && bad13="$bad13 lookup:leak"
  done
  for p in id version; do
    c=$(curl -s -m 20 -G -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kC" --data-urlencode "$p=$v" --data-urlencode "id=$gid" "$H/api/v1/ledger/inclusion")
    case $c in 200 | 400 | 404 | 413 | 414) ;; *) bad13="$bad13 inclusion?$p:$c" ;; esac
  done
  for p in from to; do
    c=$(curl -s -m 20 -G -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kC" --data-urlencode "from=1" --data-urlencode "to=2" --data-urlencode "$p=$v" "$H/api/v1/ledger/consistency")
    case $c in 200 | 400 | 404 | 413 | 414) ;; *) bad13="$bad13 consistency?$p:$c" ;; esac
  done
done
printf '%s\n' "${inj[@]}" "$RED_VALUE' OR '1'='1" >"$TMP/inj.txt"
c=$(curl -s -m 20 -o "$TMP/i" -w '%{http_code}' -H "Authorization: Bearer $kC" --data-binary @"$TMP/inj.txt" "$H/api/v1/lookup")
eq "#13 look-up POST of injection-looking values: 200, one line each" "200 $(wc -l <"$TMP/inj.txt")" "$c $(wc -l <"$TMP/i")"
check "#13 ... revealing nothing hidden" bash -c "! grep -q '$RED_VALUE\"\|amber-c2' '$TMP/i'"
eq "#13 every TAXII filter, look-up value and ledger parameter: 200 within what C may see, or a 4xx; never a 5xx" "" "$bad13"
# stream filters, in parallel: a stream that opens must not carry what C may not see
spids=()
n=0
for v in "' OR '1'='1" "x\"); DROP TABLE object;--" "%"; do
  for p in types kinds max_tlp collections groups labels from; do
    n=$((n + 1))
    extra=(--data-urlencode from=0)
    [ $p = from ] && extra=()
    stream_until_idle "$TMP/st$n" -G -H "Authorization: Bearer $kC" --data-urlencode "$p=$v" \
      "${extra[@]}" "$H/api/v1/stream" >"$TMP/st$n.code" &
    spids+=($!)
  done
done
for p in "${spids[@]}"; do wait "$p" || true; done
bad13=""
for i in $(seq 1 $n); do
  c=$(cat "$TMP/st$i.code")
  case $c in 200 | 400 | 404) ;; *) bad13="$bad13 stream$i:$c" ;; esac
  grep -q "amber-c2\|$RED_VALUE" "$TMP/st$i" && bad13="$bad13 stream$i:leak:$(grep -B2 "amber-c2\|$RED_VALUE" "$TMP/st$i" | cut -c1-400)"
done
eq "#13 stream filters: 200 without hidden events, 400 or 404; never a 5xx" "" "$bad13"
eq "#13 the store is unchanged" "$before" "$(digest)"
check "#13 hub check passes" "$VIGIE" check >/dev/null
check "#13 the log has no 5xx" bash -c "! grep -q '\"status\":5\|status=5' '$TMP/serve.log'"

# ---------------------------------------------------------------- #19
echo "# ${SECONDS}s: #19"
env19="{\"objects\":[$(ind indicator--b1900000-0000-4000-8000-000000000001 retry.net 2026-04-01T00:00:00Z)]}"
leaves() { sqlite3 "$DB" "SELECT count(*) FROM ledger l JOIN object o ON o.rowid = l.obj WHERE o.stix_id = '$1'"; }
versions() { sqlite3 "$DB" "SELECT count(*) FROM object WHERE stix_id = '$1' AND aud0 <> 0"; }
eq "#19 first POST: stored" 1 "$(post "$kB" "$env19" | jq .success_count)"
eq "#19 the retry (same id and modified): a success, as TAXII asks" "1 0" "$(post "$kB" "$env19" | jq -r '"\(.success_count) \(.failure_count)"')"
eq "#19 one version, one ledger leaf" "1 1" "$(versions indicator--b1900000-0000-4000-8000-000000000001) $(leaves indicator--b1900000-0000-4000-8000-000000000001)"
env19b="{\"objects\":[$(ind indicator--b1900000-0000-4000-8000-000000000002 retry2.net 2026-04-01T00:00:00Z)]}"
rpids=()
for i in 1 2 3 4 5; do post "$kB" "$env19b" >"$TMP/r19.$i" & rpids+=($!); done
for p in "${rpids[@]}"; do wait "$p"; done
eq "#19 five concurrent retries: each acknowledged" "1 1 1 1 1" "$(cat "$TMP"/r19.* | jq .success_count | xargs)"
eq "#19 ... one version, one ledger leaf" "1 1" "$(versions indicator--b1900000-0000-4000-8000-000000000002) $(leaves indicator--b1900000-0000-4000-8000-000000000002)"

# ---------------------------------------------------------------- #14
echo "# ${SECONDS}s: #14"
curl -s -o /dev/null -H "Authorization: Bearer ${kB%?}0" "$H/api/v1/whoami"
curl -s -o /dev/null -u "${kA%%.*}:$kA" "$C/objects/" -H "Accept: $T"
curl -s -o /dev/null "$H/api/v1/whoami?key=$kA&secret=$kB"
VIGIE_KEY=$kA timeout 20 "$VIGIE" follow "$H" --from 0 --max-events 3 >"$TMP/stream14" 2>&1 || true
curl -s -H "Authorization: Bearer $kA" "$H/api/v1/ledger/inclusion?id=$rid" >"$TMP/bundle14.json"
"$VIGIE" evidence "$gid" --for A -o "$TMP/evidence14.json" >/dev/null 2>&1
for f in stix csv plain zeek-intel rpz; do "$VIGIE" export --for op --format $f >"$TMP/export14.$f" 2>/dev/null || true; done
"$VIGIE" export --for A --all-versions >"$TMP/exportA14.json" 2>/dev/null
sqlite3 "$DB" "SELECT hex(leaf) FROM ledger WHERE leaf IS NOT NULL; SELECT json FROM taxii_status; SELECT note FROM checkpoint; SELECT json FROM object" >"$TMP/ledger14"
curl -s -H "Authorization: Bearer $kop" "$H/metrics" >"$TMP/metrics14"
"$VIGIE" check --json >"$TMP/check14.json"
needles=()
for s in "$kA" "$kB" "$kC" "$kD" "$kop"; do
  needles+=("${s#*.}" "$(sqlite3 "$DB" "SELECT lower(hex(secret_hash)) FROM api_key WHERE id = '${s%%.*}'")")
done
check "#14 the stored hash is the SHA-256 of the key text (so the right needle is searched)" \
  test "${needles[3]}" = "$(printf %s "$kB" | sha256sum | cut -d' ' -f1)"
found=""
for n in "${needles[@]}"; do
  for f in "$TMP/serve.log" "$TMP/serve.out" "$TMP/stream14" "$TMP/bundle14.json" "$TMP/evidence14.json" \
    "$TMP"/export14.* "$TMP/exportA14.json" "$TMP/ledger14" "$TMP/metrics14" "$TMP/check14.json"; do
    grep -qi "$n" "$f" && found="$found ${f##*/}"
  done
  grep -qi "$n" <(sqlite3 "$DB" "SELECT upper(hex(leaf)) FROM ledger") && found="$found ledger-leaves"
done
eq "#14 no key secret or key hash in the server log, stream, evidence bundles, exports, ledger, statuses, checkpoints, metrics" "" "$found"
check "#14 (the log did record those requests)" grep -q '"status":401\|status=401' "$TMP/serve.log"

# ---------------------------------------------------------------- #20
echo "# ${SECONDS}s: #20"
reader() { # reader NAME URL KEY: GET until $TMP/stop exists, one status per line
  while [ ! -e "$TMP/stop" ]; do
    curl -s -m 20 -o /dev/null -w '%{http_code}\n' -H "Accept: $T" -H "Authorization: Bearer $3" "$2" >>"$TMP/rd.$1"
  done
}
race() { # race DESCRIPTION KEY COMMAND...: readers on three paths, then COMMAND commits
  local d=$1 k=$2 i n bad="" pids=(); shift 2
  rm -f "$TMP/stop" "$TMP"/rd.*
  reader taxii "$C/objects/?limit=2" "$k" & pids+=($!)
  reader lookup "$H/api/v1/lookup?value=green-c2.net" "$k" & pids+=($!)
  reader ledger "$H/api/v1/ledger/inclusion?id=$gid" "$k" & pids+=($!)
  for _ in $(seq 1 1200); do # until each reader was answered 200 twice
    n=0
    for i in taxii lookup ledger; do [ "$(grep -c '^200$' "$TMP/rd.$i" 2>/dev/null)" -ge 2 ] && n=$((n + 1)); done
    [ $n = 3 ] && break; sleep 0.05
  done
  "$@" >/dev/null
  declare -A at
  for i in taxii lookup ledger; do at[$i]=$(wc -l <"$TMP/rd.$i"); done
  for _ in $(seq 1 1200); do # wait until each reader sent 5 requests after the commit
    n=0
    for i in taxii lookup ledger; do [ "$(wc -l <"$TMP/rd.$i")" -ge $((at[$i] + 6)) ] && n=$((n + 1)); done
    [ $n = 3 ] && break; sleep 0.05
  done
  touch "$TMP/stop"
  for i in "${pids[@]}"; do wait "$i"; done
  for i in taxii lookup ledger; do
    # at most the one request in flight when the command returned may be 200
    bad="$bad$(tail -n +$((at[$i] + 2)) "$TMP/rd.$i" | { grep -v '^401$' || true; } | sort -u | xargs)"
    [ "$(head -n "${at[$i]}" "$TMP/rd.$i" | grep -c '^200$')" -ge 1 ] || bad="$bad $i-never-read"
  done
  eq "#20 $d: every read after it committed is refused" "" "$bad"
}
race "reads racing a key revocation" "$kR" "$VIGIE" key revoke "${kR%%.*}"
race "reads racing an organisation's disabling" "$kE" "$VIGIE" org disable E

# ---------------------------------------------------------------- #4 (an id reused)
echo "# ${SECONDS}s: #4 (an id reused)"
# B reuses the id of A's RED object, which it cannot see: stored as B's own,
# exactly as a new id would be, and A's content never shows through.
r=$(post "$kB" "{\"objects\":[$(ind $rid b-version.net 2026-02-01T00:00:00Z $CLEAR)]}")
r2=$(post "$kB" "{\"objects\":[$(ind indicator--b0000000-0000-4000-8000-000000000002 b-version2.net 2026-02-01T00:00:00Z $CLEAR)]}")
eq "#4 B posting the id of A's hidden RED object: answered as a new id" \
  "$(jq -c 'del(.id, .request_timestamp, .successes[].id)' <<<"$r2")" "$(jq -c 'del(.id, .request_timestamp, .successes[].id)' <<<"$r")"
r=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kC" "$C/objects/$rid/?match%5Bversion%5D=all")
eq "#4 C gets B's version of that id only" "b-version.net" "$(jq -r '.objects[].pattern' <<<"$r" | grep -o "[a-z0-9.-]*\.net")"
check "#4 ... never A's RED content" bash -c "! grep -q '$RED_VALUE' <<<'$r'"
eq "#4 A's RED version is still RED" 4 "$(sqlite3 "$DB" "SELECT tlp FROM object WHERE stix_id = '$rid' AND org_id = (SELECT id FROM org WHERE name = 'A')")"
eq "#4 ... and C's look-up of its value finds nothing" 0 "$(curl -s -H "Authorization: Bearer $kC" "$H/api/v1/lookup?value=$RED_VALUE" | jq '.matches | length')"

# ---------------------------------------------------------------- #7
echo "# ${SECONDS}s: #7"
# C follows live; A tightens its GREEN object to RED, then a marker object
# follows: C gets the marker and nothing more about the tightened object.
curl -s -N -m 120 -H "Authorization: Bearer $kC" "$H/api/v1/stream" >"$TMP/live7" 2>/dev/null &
live=$!
for _ in $(seq 1 1200); do grep -q '^retry:' "$TMP/live7" 2>/dev/null && break; sleep 0.05; done
"$VIGIE" import --as A --tlp red --collection feed <(ind $gid green-c2.net 2026-06-01T00:00:00Z) >/dev/null
"$VIGIE" import --as A --tlp clear --collection feed <(ind indicator--a7000000-0000-4000-8000-000000000001 marker7.net) >/dev/null
for _ in $(seq 1 1200); do grep -q marker7 "$TMP/live7" && break; sleep 0.05; done
kill "$live" 2>/dev/null || true
wait "$live" 2>/dev/null || true
check "#7 a live subscriber gets the next event" grep -q marker7 "$TMP/live7"
check "#7 ... and nothing about the object tightened to RED" bash -c "! grep -q '$gid' '$TMP/live7'"

# ---------------------------------------------------------------- #24
echo "# ${SECONDS}s: #24"
python3 - "$PORT" "$kC" >"$TMP/smuggle" <<'PY24' || true
import socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
def send(raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (OSError, socket.timeout):
        data = b"(closed)"
    finally:
        s.close()
    first = data.split(b"\r\n", 1)[0].decode("latin-1")
    return first, data.count(b"HTTP/1.1 2")
auth = ("Authorization: Bearer %s\r\n" % key).encode()
smuggled = b"GET /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n"
cases = {
  "two different Content-Length": b"POST /api/v1/lookup HTTP/1.1\r\nHost: h\r\n" + auth + b"Content-Length: 8\r\nContent-Length: 60\r\n\r\nevil.net" + smuggled,
  "Content-Length and Transfer-Encoding": b"POST /api/v1/lookup HTTP/1.1\r\nHost: h\r\n" + auth + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
  "a 200 KiB header": b"GET /api/v1/whoami HTTP/1.1\r\nHost: h\r\n" + auth + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n",
  "100,000 headers": b"GET /api/v1/whoami HTTP/1.1\r\nHost: h\r\n" + auth + b"X-A: b\r\n" * 100000 + b"\r\n",
  "a NUL in a header": b"GET /api/v1/whoami HTTP/1.1\r\nHost: h\r\n" + auth + b"X-N: a\x00b\r\n\r\n",
}
for name, raw in cases.items():
    first, ok2xx = send(raw)
    print("%s|%s|%d" % (name, first, ok2xx))
PY24
while IFS='|' read -r name first n2xx; do
  # never a 5xx; ambiguous framing is refused, so neither the request nor
  # the one hidden after it is answered 2xx (the first status line shown)
  case $first:$name in
    *" 5"*) not_ok "#24 $name: $first" ;;
    *:*Content-Length*) eq "#24 $name: refused, nothing answered 2xx ($first)" 0 "$n2xx" ;;
    *) ok "#24 $name: no 5xx ($first; $n2xx answers 2xx)" ;;
  esac
done <"$TMP/smuggle"
eq "#24 all five sent" 5 "$(wc -l <"$TMP/smuggle")"
eq "#24 the server still answers" 200 "$(code "$H/api/v1/health")"

# ---------------------------------------------------------------- #21
echo "# ${SECONDS}s: #21"
d0=$(fulldigest)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
eq "#21 digest after a clean stop" "$d0" "$(fulldigest)"
rm -f "$TMP/serve.out" # start_server must not read the last run's port
start_server --threads 2
H=http://127.0.0.1:$PORT C=$H/taxii2/root/collections/$cid
eq "#21 digest after a clean restart" "$d0" "$(fulldigest)"
env21="{\"objects\":[$(ind indicator--b2100000-0000-4000-8000-000000000001 crash.net 2026-05-01T00:00:00Z)]}"
eq "#21 a POST acknowledged before the crash" 1 "$(post "$kB" "$env21" | jq .success_count)"
d1=$(fulldigest) d1data=$(digest)
check "#21 (the digest sees the write)" test "$d0" != "$d1"
curl -s -H "Authorization: Bearer $kA" "$H/api/v1/ledger/checkpoint" >"$TMP/cp-before"
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
eq "#21 digest after kill -9" "$d1" "$(fulldigest)"
rm -f "$TMP/serve.out" # start_server must not read the last run's port
start_server --threads 2
H=http://127.0.0.1:$PORT C=$H/taxii2/root/collections/$cid
eq "#21 digest after the crash restart" "$d1" "$(fulldigest)"
"$VIGIE" ledger pubkey -o "$TMP/pub.key"
curl -s -H "Authorization: Bearer $kA" "$H/api/v1/ledger/checkpoint" >"$TMP/cp-after"
check "#15 the checkpoint after the crash restart is consistent with the one before" \
  "$VIGIE" verify --consistency "$TMP/cp-before" "$TMP/cp-after" --key "$TMP/pub.key"
eq "#19 the POST retried after the crash: acknowledged" 1 "$(post "$kB" "$env21" | jq .success_count)"
eq "#19 ... one version, one ledger leaf" "1 1" "$(versions indicator--b2100000-0000-4000-8000-000000000001) $(leaves indicator--b2100000-0000-4000-8000-000000000001)"
eq "#19 ... the stored data unchanged by the retry (a status resource aside)" "$d1data" "$(digest)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
check "#21 the hub passes its check" "$VIGIE" check >/dev/null
check "#21 the ledger verifies" "$VIGIE" verify >/dev/null
# a backup made with SQLite's backup API verifies; tampered, it is caught
mkdir "$TMP/restore"
cp "$VIGIE_HUB"/ledger.key* "$TMP/restore/" 2>/dev/null || true
cp -r "$VIGIE_HUB"/artefacts "$TMP/restore/" 2>/dev/null || true
for f in "$VIGIE_HUB"/*; do [ -f "$f" ] && [[ $f != *vigie.db* ]] && cp "$f" "$TMP/restore/"; done
d2=$(fulldigest)
sqlite3 "$DB" ".backup '$TMP/restore/vigie.db'"
check "#21 a backup verifies" "$VIGIE" verify --hub "$TMP/restore"
eq "#21 ... with the same digest as the hub" "$d2" "$(DB=$TMP/restore/vigie.db fulldigest)"
sqlite3 "$TMP/restore/vigie.db" "UPDATE object SET json = replace(json, 'green-c2', 'green-c3') WHERE stix_id = '$gid'"
check "#21 a tampered backup is caught" bash -c "! '$VIGIE' verify --hub '$TMP/restore' >/dev/null 2>&1"
finish
