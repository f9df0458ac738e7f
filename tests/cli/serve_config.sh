#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `vigie serve --config`: limits from the file are advertised and enforced
# (413 with a TAXII error, nothing stored), unknown settings are refused,
# TLS through libmicrohttpd answers HTTPS with the configured certificate,
# and a batch of hostile requests leaves the hub exactly as it was.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
T="application/taxii+json;version=2.1"
secret=$("$VIGIE" init --name op --json | jq -r .key.secret)
cid=$("$VIGIE" collection add Public --read community --write org:op --json | jq -r .id)
printf '198.51.100.1\n198.51.100.2\n' >"$TMP/pub.txt"
"$VIGIE" import --as op --collection Public "$TMP/pub.txt" >/dev/null
counts() { "$VIGIE" check --json | jq -c '[.objects, .versions, .observables, .events]'; }
before=$(counts)

echo '{"listen": "127.0.0.1:0", "limits": {"max_content_lenght": 10}}' >"$TMP/typo.json"
check "a misspelt setting is refused" bash -c "! '$VIGIE' serve --config '$TMP/typo.json' 2>'$TMP/err'"
check "... naming it" grep -q max_content_lenght "$TMP/err"
echo '{"limits": {"max_content_length": -1}}' >"$TMP/neg.json"
check "a negative limit is refused" bash -c "! '$VIGIE' serve --config '$TMP/neg.json' 2>/dev/null"
echo '{"listen": ' >"$TMP/broken.json"
check "a broken file is refused" bash -c "! '$VIGIE' serve --config '$TMP/broken.json' 2>/dev/null"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
cat >"$TMP/vigie.json" <<JSON
{
  "threads": 2,
  "limits": {"max_content_length": 4096, "max_per_address": 16, "timeout_s": 5},
  "tls": {"certificate": "$TMP/cert.pem", "key": "$TMP/key.pem"}
}
JSON
start_server --config "$TMP/vigie.json"
U=https://127.0.0.1:$PORT/taxii2/
C=(curl -s --cacert "$TMP/cert.pem" -H "Accept: $T" -H "Authorization: Bearer $secret")
r=$("${C[@]}" "$U")
eq "HTTPS with the configured certificate" "https://127.0.0.1:$PORT/taxii2/root/" "$(jq -r .default <<<"$r")"
eq "plain HTTP on the TLS port fails" 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$PORT/api/v1/health" || true)"
eq "the API root advertises the configured limit" 4096 "$("${C[@]}" "${U}root/" | jq .max_content_length)"

# hostile requests: each a 4xx with a TAXII error body, nothing stored
O=${U}root/collections/$cid/objects/
big=$(head -c 5000 /dev/zero | tr '\0' 'x')
eq "oversized body: 413" 413 "$("${C[@]}" -o "$TMP/b" -w '%{http_code}' -X POST -H "Content-Type: $T" --data-binary "{\"objects\":[],\"x\":\"$big\"}" "$O")"
eq "... with a TAXII error body" 413 "$(jq .http_status "$TMP/b")"
bad() { # bad DESCRIPTION STATUS CURL-ARGS...
  local d=$1 want=$2; shift 2
  local got
  got=$("${C[@]}" -o "$TMP/b" -w '%{http_code}' "$@")
  eq "$d: $want" "$want" "$got"
  eq "$d: TAXII error body" "$want" "$(jq .http_status "$TMP/b" 2>/dev/null || echo none)"
}
bad "malformed JSON" 400 -X POST -H "Content-Type: $T" --data-binary '{"objects":[{"type":' "$O"
# each object succeeds or fails on its own: a mis-encoded one is a failure
r=$("${C[@]}" -X POST -H "Content-Type: $T" --data-binary $'{"objects":[{"type":"indicator\xff"}]}' "$O")
eq "not UTF-8: refused in the status" "1 0 1" "$(jq -r '"\(.total_count) \(.success_count) \(.failure_count)"' <<<"$r")"
bad "deeply nested" 400 -X POST -H "Content-Type: $T" --data-binary "$(printf '[%.0s' $(seq 1 2000))" "$O"
bad "wrong media type" 415 -X POST -H "Content-Type: text/plain" --data-binary '{"objects":[]}' "$O"
bad "limit=-1" 400 "$O?limit=-1"
bad "limit=abc" 400 "$O?limit=abc"
bad "match[version]=yesterday" 400 "$O?match%5Bversion%5D=yesterday"
bad "match[spec_version]=latest" 400 "$O?match%5Bspec_version%5D=latest"
bad "a forged next token" 400 "$O?next=1.00000000000000000000000000000000"
bad "DELETE of a malformed id" 400 -X DELETE "${O}indicator--..%2F..%2Fetc/"
bad "DELETE of a path traversal" 400 --path-as-is -X DELETE "${O}../../../../etc/passwd/"
bad "PUT" 400 -X PUT --data-binary '{}' "$O"
eq "the hub is as it was" "$before" "$(counts)"
check "and intact" "$VIGIE" check
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
