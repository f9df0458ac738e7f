#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ledger over HTTP, with the real server on loopback: the latest
# checkpoint, an inclusion answer that is itself an evidence bundle (kept
# and verified offline), the same 404 for an object the key may not see as
# for one never stored, consistency proofs, the API key id in the leaves of
# TAXII writes, a TAXII DELETE that keeps the ledger verifiable, and the
# server signing checkpoints as the tree grows.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
"$VIGIE" init --name op >/dev/null
"$VIGIE" ledger pubkey -o "$TMP/pub.key"
"$VIGIE" org add Police --kind law-enforcement >/dev/null
"$VIGIE" org add Vendor --kind vendor >/dev/null
pkey=$("$VIGIE" key create --org Police --scopes read,write --json)
psecret=$(jq -r .secret <<<"$pkey")
pkid=$(jq -r .id <<<"$pkey")
vsecret=$("$VIGIE" key create --org Vendor --scopes read --json | jq -r .secret)
pubid=$("$VIGIE" collection add Public --read community --write community --json | jq -r .id)
printf '198.51.100.7\n' >"$TMP/g.txt"
"$VIGIE" import --as Police --tlp green "$TMP/g.txt" >/dev/null 2>&1
printf '203.0.113.9\n' >"$TMP/r.txt"
"$VIGIE" import --as Police --tlp red "$TMP/r.txt" >/dev/null 2>&1
gid=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE tlp = 1")
rid=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE tlp = 4")

"$VIGIE" serve --listen 127.0.0.1:0 --threads 2 --checkpoint-every 1 --checkpoint-leaves 1 \
  >"$TMP/out" 2>"$TMP/log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/log"; not_ok "server started"; finish; }
U=http://127.0.0.1:$port/api/v1/ledger
P=(-H "Authorization: Bearer $psecret")
V=(-H "Authorization: Bearer $vsecret")

eq "checkpoint needs a key" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U/checkpoint")"
curl -s "${V[@]}" -D "$TMP/h" "$U/checkpoint" >"$TMP/cp1"
check "checkpoint is text/plain" grep -qi '^Content-Type: text/plain' "$TMP/h"
eq "checkpoint: origin, size, root, blank, signature" 5 "$(wc -l <"$TMP/cp1")"
eq "checkpoint size" 3 "$(sed -n 2p "$TMP/cp1")"

curl -s "${V[@]}" "$U/inclusion?id=$gid" >"$TMP/bundle.json"
check "the inclusion answer verifies offline as a bundle" "$VIGIE" verify "$TMP/bundle.json" --key "$TMP/pub.key"
check "same bytes as vigie evidence" bash -c "'$VIGIE' evidence '$gid' --for Vendor -o '$TMP/cli.json' 2>/dev/null && cmp -s '$TMP/cli.json' '$TMP/bundle.json'"
ver=$(jq -r '.object | fromjson | .modified' "$TMP/bundle.json")
eq "by version" 200 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/inclusion?id=$gid&version=$ver")"
eq "unknown version: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/inclusion?id=$gid&version=2001-01-01T00:00:00Z")"
eq "bad version: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/inclusion?id=$gid&version=yesterday")"
eq "no id: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/inclusion")"
curl -s -o "$TMP/hidden" -w '%{http_code}' "${V[@]}" "$U/inclusion?id=$rid" >"$TMP/hc"
curl -s -o "$TMP/never" "${V[@]}" "$U/inclusion?id=indicator--00000000-0000-4000-8000-000000000000"
eq "another organisation's RED object: 404" 404 "$(cat "$TMP/hc")"
check "... exactly as an id never stored" cmp -s "$TMP/hidden" "$TMP/never"
eq "its contributor gets it" 200 "$(curl -s -o /dev/null -w '%{http_code}' "${P[@]}" "$U/inclusion?id=$rid")"

# A TAXII POST: the leaf records the API key that sent it.
T="application/taxii+json;version=2.1"
env='{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-aaaa-4aaa-8aaa-000000000001","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'192.0.2.55'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}'
curl -s -X POST -H "Accept: $T" -H "Content-Type: $T" "${P[@]}" --data-binary "$env" \
  "http://127.0.0.1:$port/taxii2/root/collections/$pubid/objects/" >/dev/null
curl -s "${V[@]}" "$U/inclusion?id=indicator--22222222-aaaa-4aaa-8aaa-000000000001" >"$TMP/posted.json"
check "the posted object's leaf names the API key" bash -c "'$VIGIE' verify '$TMP/posted.json' --key '$TMP/pub.key' | grep -q 'key $pkid'"

# The server signs checkpoints as the tree grows (polls, no timing asserted).
for _ in $(seq 1 100); do
  [ "$(curl -s "${V[@]}" "$U/checkpoint" | sed -n 2p)" -ge 4 ] && break
  sleep 0.1
done
curl -s "${V[@]}" "$U/checkpoint" >"$TMP/cp2"
eq "the new checkpoint covers the POST" 4 "$(sed -n 2p "$TMP/cp2")"
r=$(curl -s "${V[@]}" "$U/consistency?from=3&to=4")
eq "consistency proof" 4 "$(jq .to <<<"$r")"
check "the two kept checkpoints are consistent" "$VIGIE" verify --consistency "$TMP/cp1" "$TMP/cp2" --key "$TMP/pub.key"
eq "consistency from 0: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/consistency?from=0&to=4")"
eq "consistency beyond the tree: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/consistency?from=1&to=99")"
eq "consistency with junk: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/consistency?from=1&to=-4")"
eq "no such ledger route: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${V[@]}" "$U/nothing")"

# A deletion erases content, not history: the hub still verifies.
eq "DELETE over TAXII" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Accept: $T" "${P[@]}" \
  "http://127.0.0.1:$port/taxii2/root/collections/$pubid/objects/indicator--22222222-aaaa-4aaa-8aaa-000000000001/")"
check "the hub verifies after a deletion" "$VIGIE" verify
eq "the deleted object has no evidence any more" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${P[@]}" "$U/inclusion?id=indicator--22222222-aaaa-4aaa-8aaa-000000000001")"
check "the bundle kept before the deletion still verifies" "$VIGIE" verify "$TMP/posted.json" --key "$TMP/pub.key"
m=$(curl -s -H "Authorization: Bearer $(jq -r .secret <<<"$("$VIGIE" key create --org op --scopes admin --json)")" "http://127.0.0.1:$port/metrics")
check "metrics count ledger requests" grep -q '^vigie_http_requests_total{route="ledger",code="2xx"} [1-9]' <<<"$m"
kill -TERM $pid
wait $pid
eq "clean exit" 0 $?
finish
