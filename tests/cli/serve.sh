#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `vigie serve` for real on a loopback port: health without credentials,
# whoami with a Bearer or Basic key, the same 401 for every bad credential
# (with WWW-Authenticate and a TAXII-shaped error body), 404 as JSON, and a
# clean exit on SIGTERM; TAXII 2.1 discovery and API root with media types.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
init=$("$VIGIE" init --name op --json)
secret=$(jq -r .key.secret <<<"$init")
kid=$(jq -r .key.id <<<"$init")
"$VIGIE" org add Police --kind law-enforcement >/dev/null
psecret=$("$VIGIE" key create --org Police --scopes read --json | jq -r .secret)
"$VIGIE" key revoke "${psecret%%.*}" >/dev/null
"$VIGIE" org add Vendor --kind vendor >/dev/null
vsecret=$("$VIGIE" key create --org Vendor --scopes read --json | jq -r .secret)
polsecret=$("$VIGIE" key create --org Police --scopes read,write --json | jq -r .secret)
"$VIGIE" group add op-x >/dev/null
"$VIGIE" group members op-x --add Police >/dev/null
opid=$("$VIGIE" collection add Nightfall --read group:op-x --write org:Police --json | jq -r .id)
pubid=$("$VIGIE" collection add Public --read community --write org:op --json | jq -r .id)
# 25 indicators in Public (CLEAR), 1 RED one there too, 3 in the operation's collection.
for i in $(seq 1 25); do echo "198.51.100.$i"; done >"$TMP/pub.txt"
"$VIGIE" import --as op --tlp clear --collection Public "$TMP/pub.txt" >/dev/null
echo "203.0.113.99" >"$TMP/red.txt"
"$VIGIE" import --as op --tlp red --collection Public "$TMP/red.txt" >/dev/null
printf '192.0.2.1\n192.0.2.2\n192.0.2.3\n' >"$TMP/op.txt"
"$VIGIE" import --as Police --tlp amber --group op-x --collection Nightfall "$TMP/op.txt" >/dev/null
shid=$("$VIGIE" collection add Shared --read community --write community --json | jq -r .id)
echo "203.0.113.77" >"$TMP/shred.txt"
"$VIGIE" import --as op --tlp red --collection Shared "$TMP/shred.txt" >/dev/null
echo "203.0.113.78" >"$TMP/shclear.txt"
"$VIGIE" import --as op --tlp clear --collection Shared "$TMP/shclear.txt" >/dev/null
vwsecret=$("$VIGIE" key create --org Vendor --scopes read,write --json | jq -r .secret)
check "a partner without write access cannot import into a collection" \
  bash -c "! '$VIGIE' import --as Vendor --collection Nightfall '$TMP/op.txt' 2>/dev/null"

"$VIGIE" serve --listen 127.0.0.1:0 --threads 2 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
if [ -z "$port" ]; then
  echo "server did not start:"; cat "$TMP/out" "$TMP/log"
  kill $pid 2>/dev/null || true
  not_ok "server says where it listens"
  finish
fi
U=http://127.0.0.1:$port

eq "health" '{"status":"ok"}' "$(curl -s "$U/api/v1/health")"
r=$(curl -s -H "Authorization: Bearer $secret" "$U/api/v1/whoami")
eq "whoami with Bearer" op "$(jq -r .organisation <<<"$r")"
eq "whoami scopes" '["read","write","admin"]' "$(jq -c .scopes <<<"$r")"
r=$(curl -s -u "$kid:$secret" "$U/api/v1/whoami")
eq "whoami with Basic" "$kid" "$(jq -r .key <<<"$r")"

bad() { curl -s -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' "$@" "$U/api/v1/whoami"; }
eq "no credentials: 401" 401 "$(bad)"
check "401 asks for Basic" grep -qi '^WWW-Authenticate: Basic' "$TMP/h"
eq "401 body is a TAXII error" 401 "$(jq .http_status "$TMP/b")"
ref=$(cat "$TMP/b")
last=${secret: -1}
wrong="${secret%?}$([ "$last" = 0 ] && echo 1 || echo 0)" # one hex digit changed
eq "wrong secret: 401" 401 "$(bad -H "Authorization: Bearer $wrong")"
eq "wrong secret: same body" "$ref" "$(cat "$TMP/b")"
eq "unknown key: 401" 401 "$(bad -H "Authorization: Bearer vk_0123456789abcdef.${secret#*.}")"
eq "unknown key: same body" "$ref" "$(cat "$TMP/b")"
eq "revoked key: 401" 401 "$(bad -H "Authorization: Bearer $psecret")"
eq "revoked key: same body" "$ref" "$(cat "$TMP/b")"
eq "garbage header: 401" 401 "$(bad -H "Authorization: Basic %%%")"
eq "unknown path: 404" 404 "$(curl -s -o "$TMP/b" -w '%{http_code}' "$U/nope/../etc/passwd")"
eq "404 body" 404 "$(jq .http_status "$TMP/b")"

# TAXII 2.1 discovery and API root (need a read key; media type negotiated)
T="application/taxii+json;version=2.1"
r=$(curl -s -D "$TMP/h" -H "Accept: $T" -H "Authorization: Bearer $secret" "$U/taxii2/")
eq "discovery names its API root" "http://127.0.0.1:$port/taxii2/root/" "$(jq -r .default <<<"$r")"
check "discovery answers in the TAXII media type" grep -qi "^Content-Type: application/taxii+json;version=2.1" "$TMP/h"
r=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $secret" "$U/taxii2/root/")
eq "API root versions" "[\"$T\"]" "$(jq -c .versions <<<"$r")"
check "API root advertises max_content_length" test "$(jq .max_content_length <<<"$r")" -gt 0
eq "discovery needs credentials" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" "$U/taxii2/")"
eq "wrong media type: 406" 406 "$(curl -s -o "$TMP/b" -w '%{http_code}' -H 'Accept: text/html' -H "Authorization: Bearer $secret" "$U/taxii2/")"
eq "406 body" 406 "$(jq .http_status "$TMP/b")"
eq "unknown TAXII path: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" -H "Authorization: Bearer $secret" "$U/taxii2/root/nope/")"

# Collections: each partner sees only those it may read or write.
A=(-H "Accept: $T")
r=$(curl -s "${A[@]}" -H "Authorization: Bearer $vsecret" "$U/taxii2/root/collections/")
eq "a vendor sees the open collections only" "Public,Shared" "$(jq -r '[.collections[].title] | join(",")' <<<"$r")"
eq "can_read / can_write" "true,false" "$(jq -r '.collections[0] | "\(.can_read),\(.can_write)"' <<<"$r")"
eq "the operation's collection does not exist for the vendor" 404 \
  "$(curl -s -o "$TMP/b" -w '%{http_code}' "${A[@]}" -H "Authorization: Bearer $vsecret" "$U/taxii2/root/collections/$opid/")"
eq "same answer as an id never created" 404 \
  "$(curl -s -o "$TMP/b2" -w '%{http_code}' "${A[@]}" -H "Authorization: Bearer $vsecret" "$U/taxii2/root/collections/00000000-0000-4000-8000-000000000000/")"
check "identical bodies" cmp -s "$TMP/b" "$TMP/b2"
r=$(curl -s "${A[@]}" -H "Authorization: Bearer $polsecret" "$U/taxii2/root/collections/$opid/")
eq "a member of the operation sees its collection" Nightfall "$(jq -r .title <<<"$r")"
eq "and may write to it" true "$(jq -r .can_write <<<"$r")"

# Objects: paged, visible only, with tokens bound to their query and partner.
V=(-H "Accept: $T" -H "Authorization: Bearer $vsecret")
r=$(curl -s -D "$TMP/h" "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=10")
eq "first page: 10 objects" 10 "$(jq '.objects | length' <<<"$r")"
eq "first page: more" true "$(jq .more <<<"$r")"
check "date-added headers" grep -qi "^X-TAXII-Date-Added-First: " "$TMP/h"
next=$(jq -r .next <<<"$r")
seen=$(jq -r '.objects[].id' <<<"$r")
pages=1
while [ "$(jq .more <<<"$r")" = true ] && [ $pages -lt 10 ]; do
  r=$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=10&next=$(jq -r .next <<<"$r")")
  seen="$seen"$'\n'"$(jq -r '.objects[]?.id' <<<"$r")"
  pages=$((pages + 1))
done
eq "paging: every visible object once (the RED one is not there)" 25 "$(sort -u <<<"$seen" | grep -c indicator)"
eq "paging: 3 pages" 3 "$pages"
eq "a token from another query is refused" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=10&match%5Btype%5D=indicator&next=$next")"
eq "a token used by another partner is refused" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" -H "Authorization: Bearer $polsecret" "$U/taxii2/root/collections/$pubid/objects/?limit=10&next=$next")"
eq "limit=-1 is refused" 400 "$(curl -s -o "$TMP/b" -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=-1")"
eq "... with a TAXII error" 400 "$(jq .http_status "$TMP/b")"
eq "match[version]=yesterday is refused" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?match%5Bversion%5D=yesterday")"
eq "the vendor cannot read the operation's objects" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$opid/objects/")"
r=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $polsecret" "$U/taxii2/root/collections/$opid/objects/")
eq "a member reads the operation's objects" 3 "$(jq '.objects | length' <<<"$r")"
eq "last page: more is false, no next" "false null" "$(jq -r '"\(.more) \(.next)"' <<<"$r")"
r=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $secret" "$U/taxii2/root/collections/$pubid/objects/?limit=1000")
eq "the contributor sees its RED object too" 26 "$(jq '.objects | length' <<<"$r")"

# match[] takes comma-separated lists.
two=$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=2" | jq -r '[.objects[].id] | join(",")')
eq "match[id] with two ids" 2 "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?match%5Bid%5D=$two" | jq '.objects | length')"
eq "match[type] with two types" 25 "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=1000&match%5Btype%5D=malware,indicator" | jq '.objects | length')"
eq "match[type] of another type only" null "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?match%5Btype%5D=malware,report" | jq '.objects')"
eq "a bad id in match[id]: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?match%5Bid%5D=indicator--x,$two")"

# One object, its versions, the manifest; a hidden object is a plain 404.
P=(-H "Accept: $T" -H "Authorization: Bearer $secret")
oid=$(jq -r '.objects[0].id' <<<"$r")
redid=$(curl -s "${P[@]}" "$U/taxii2/root/collections/$pubid/objects/?limit=1000" | jq -r '.objects[] | select(.object_marking_refs[0] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1") | .id')
eq "one object by id" "$oid" "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/$oid/" | jq -r '.objects[0].id')"
eq "its versions" 1 "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/$oid/versions/" | jq '.versions | length')"
m=$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/manifest/?limit=1000")
eq "manifest lists what the vendor may see" 25 "$(jq '.objects | length' <<<"$m")"
eq "manifest entries" "application/stix+json;version=2.1" "$(jq -r '.objects[0].media_type' <<<"$m")"
eq "the RED object exists for its contributor" "$redid" "$(curl -s "${P[@]}" "$U/taxii2/root/collections/$pubid/objects/$redid/" | jq -r '.objects[0].id')"
curl -s -o "$TMP/hidden" -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/$redid/" >"$TMP/hc"
curl -s -o "$TMP/never" "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/indicator--00000000-0000-4000-8000-000000000000/"
eq "hidden object: 404" 404 "$(cat "$TMP/hc")"
check "hidden object answers exactly as one never stored" cmp -s "$TMP/hidden" "$TMP/never"
eq "hidden object's versions: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/$redid/versions/")"
eq "path traversal in an id: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/../../../etc/passwd/")"

# POST: each object succeeds or fails on its own; 202 only once committed.
ind() { printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"%s","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' "$1" "$2"; }
env="{\"objects\":[$(ind 11111111-aaaa-4aaa-8aaa-000000000001 "[ipv4-addr:value = '192.0.2.201']"),$(ind 11111111-aaaa-4aaa-8aaa-000000000002 "[domain-name:value = 'posted.example.com']"),$(ind 11111111-aaaa-4aaa-8aaa-000000000003 "[ipv4-addr:value = ")]}"
W=(-H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $secret")
r=$(curl -s -D "$TMP/h" -X POST "${W[@]}" --data-binary "$env" "$U/taxii2/root/collections/$pubid/objects/")
check "POST answers 202" grep -q "^HTTP/1.1 202" "$TMP/h"
eq "status: counts add up" "3 2 1 0" "$(jq -r '"\(.total_count) \(.success_count) \(.failure_count) \(.pending_count)"' <<<"$r")"
eq "status: the failure says why" pattern "$(jq -r '.failures[0].message' <<<"$r" | grep -o pattern | head -1)"
sid=$(jq -r .id <<<"$r")
eq "status can be read back" 2 "$(curl -s "${P[@]}" "$U/taxii2/root/status/$sid/" | jq .success_count)"
eq "another partner cannot read it" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/taxii2/root/status/$sid/")"
eq "posted objects are there" 1 "$(curl -s "${V[@]}" "$U/taxii2/root/collections/$pubid/objects/?match%5Bid%5D=indicator--11111111-aaaa-4aaa-8aaa-000000000002" | jq '.objects | length')"
eq "wrong content type: 415" 415 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Accept: $T" -H 'Content-Type: application/json' -H "Authorization: Bearer $secret" --data-binary "$env" "$U/taxii2/root/collections/$pubid/objects/")"
eq "read-only partner: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $vsecret" --data-binary "$env" "$U/taxii2/root/collections/$pubid/objects/")"
eq "malformed envelope: 400" 400 "$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST "${W[@]}" --data-binary '{"objects": [' "$U/taxii2/root/collections/$pubid/objects/")"
eq "... with a TAXII error" 400 "$(jq .http_status "$TMP/b")"
check "the hub is intact" "$VIGIE" check

# DELETE: what a partner may not see is 404 exactly as what never existed;
# what it sees but did not contribute is 403; its own goes.
D=(-X DELETE -H "Accept: $T" -H "Authorization: Bearer $vwsecret")
sh=$(curl -s "${P[@]}" "$U/taxii2/root/collections/$shid/objects/")
shred=$(jq -r '.objects[] | select(.object_marking_refs[0] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1") | .id' <<<"$sh")
shclear=$(jq -r '.objects[] | select(.object_marking_refs[0] != "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1") | .id' <<<"$sh")
eq "DELETE of a hidden object: 404" 404 "$(curl -s -o "$TMP/dh" -w '%{http_code}' "${D[@]}" "$U/taxii2/root/collections/$shid/objects/$shred/")"
curl -s -o "$TMP/dn" "${D[@]}" "$U/taxii2/root/collections/$shid/objects/indicator--00000000-0000-4000-8000-000000000000/"
check "... exactly as one never stored" cmp -s "$TMP/dh" "$TMP/dn"
eq "DELETE of another's visible object: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' "${D[@]}" "$U/taxii2/root/collections/$shid/objects/$shclear/")"
eq "DELETE with a read-only key: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Accept: $T" -H "Authorization: Bearer $vsecret" "$U/taxii2/root/collections/$shid/objects/$shclear/")"
eq "both still there for their contributor" 2 "$(curl -s "${P[@]}" "$U/taxii2/root/collections/$shid/objects/" | jq '.objects | length')"
eq "the contributor deletes its RED object: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Accept: $T" -H "Authorization: Bearer $secret" "$U/taxii2/root/collections/$shid/objects/$shred/")"
eq "gone" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${P[@]}" "$U/taxii2/root/collections/$shid/objects/$shred/")"
check "the hub is intact after a deletion" "$VIGIE" check

# /metrics: Prometheus text for an admin key only.
m=$(curl -s -H "Authorization: Bearer $secret" "$U/metrics")
check "metrics count TAXII 2xx answers" grep -q '^vigie_http_requests_total{route="taxii",code="2xx"} [1-9]' <<<"$m"
check "metrics have a latency histogram" grep -q '^vigie_http_request_duration_seconds_bucket{le="+Inf"} [1-9]' <<<"$m"
check "metrics count stored versions" grep -q '^vigie_objects [1-9]' <<<"$m"
eq "metrics need an admin key" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $polsecret" "$U/metrics")"

kill -TERM $pid
status=0
wait $pid || status=$?
eq "SIGTERM: clean exit" 0 "$status"
check "logged the clean shutdown" grep -q '"event":"stopped"' "$TMP/log"
eq "one JSON log line per request" 59 "$(grep -c '"event":"request"' "$TMP/log")"
finish
