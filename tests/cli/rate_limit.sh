#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rate limits (limits.rate_per_key, burst_per_key, rate_per_address,
# burst_per_address): a key past its burst gets 429 with Retry-After and a
# TAXII error body, on every route, method and content type alike
# (SCENARIOS 12); another key is still served; requests without a valid key
# are limited per address, and a 429 reveals nothing about the key.  The
# rates are 1 per second with small bursts, and each burst is spent by one
# curl over one connection: far more requests than a second can refill.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
T="application/taxii+json;version=2.1"
"$VIGIE" init --name op --json >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
"$VIGIE" org add B --kind vendor >/dev/null
a=$("$VIGIE" key create --org A --scopes read,write --json)
akey=$(jq -r .secret <<<"$a")
aid=$(jq -r .id <<<"$a")
bkey=$("$VIGIE" key create --org B --scopes read --json | jq -r .secret)
cid=$("$VIGIE" collection add Shared --read community --write community --json | jq -r .id)

echo '{"limits": {"rate_per_key": 0}}' >"$TMP/zero.json"
check "a rate of 0 is refused (leave it out for no limit)" bash -c "! '$VIGIE' serve --config '$TMP/zero.json' 2>/dev/null"
echo '{"limits": {"rate_per_kye": 5}}' >"$TMP/typo.json"
check "a misspelt rate is refused" bash -c "! '$VIGIE' serve --config '$TMP/typo.json' 2>/dev/null"

cat >"$TMP/vigie.json" <<JSON
{"limits": {"rate_per_key": 1, "burst_per_key": 5, "rate_per_address": 1, "burst_per_address": 5}}
JSON
start_server --config "$TMP/vigie.json"
U=http://127.0.0.1:$PORT
O=$U/taxii2/root/collections/$cid/objects/

# Key A: 30 GETs of whoami over one connection; the first 5 pass.
codes=$(curl -s -w '%{http_code}\n' -H "Authorization: Bearer $akey" \
  $(for _ in $(seq 1 30); do printf -- '-o /dev/null %s ' "$U/api/v1/whoami"; done))
eq "the burst passes" "200 200 200 200 200" "$(head -5 <<<"$codes" | xargs)"
check "then 429" test "$(grep -c 429 <<<"$codes")" -ge 20
check "only 200 and 429" bash -c "! grep -qv -e 200 -e 429 <<<'$codes'"

# Every route, method and content type answers the same 429.
r429() { # r429 DESCRIPTION CURL-ARGS...
  local d=$1; shift
  local got
  got=$(curl -s -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' -H "Authorization: Bearer $akey" "$@")
  eq "$d: 429" 429 "$got"
  check "$d: Retry-After" grep -qi '^retry-after: [1-9]' "$TMP/h"
  eq "$d: TAXII error body" 429 "$(jq .http_status "$TMP/b" 2>/dev/null || echo none)"
}
r429 "TAXII GET" -H "Accept: $T" "$O"
r429 "TAXII POST" -X POST -H "Accept: $T" -H "Content-Type: $T" --data-binary '{"objects":[]}' "$O"
r429 "POST of the wrong type" -X POST -H "Content-Type: text/plain" --data-binary 'x' "$O"
r429 "DELETE" -X DELETE -H "Accept: $T" "${O}indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/"
r429 "Accept: text/html" -H "Accept: text/html" "$U/taxii2/"
r429 "look-up" "$U/api/v1/lookup?value=198.51.100.1"
r429 "stream" "$U/api/v1/stream"
r429 "ledger" "$U/api/v1/ledger/checkpoint"
r429 "Basic auth, same key" -u "$aid:$akey" -H "Accept: $T" "$U/taxii2/"
check "a 429 names no object, key or organisation" bash -c "! grep -q -e '$aid' -e '\"A\"' '$TMP/b'"

# Another key is served meanwhile.
eq "key B is served" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bkey" "$U/api/v1/whoami")"

# Without a valid key: the address pays; a wrong key and no key alike.
codes=$(curl -s -w '%{http_code}\n' -H "Authorization: Bearer nope" \
  $(for _ in $(seq 1 30); do printf -- '-o /dev/null %s ' "$U/api/v1/whoami"; done))
eq "bad keys: 401 for the burst" "401 401 401 401 401" "$(head -5 <<<"$codes" | xargs)"
check "then 429" test "$(grep -c 429 <<<"$codes")" -ge 20
eq "health without a key: limited too" 429 "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/health")"
eq "a known key id with a wrong secret: the same 429" 429 "$(curl -s -o /dev/null -w '%{http_code}' -u "$aid:wrong" "$U/api/v1/whoami")"
eq "key B is still served (keys are not charged to the address)" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bkey" "$U/api/v1/whoami")"
check "the server logged the 429s" grep -q 'status=429' "$TMP/serve.log"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true

# Without limits in the configuration nothing is limited.
start_server
U=http://127.0.0.1:$PORT
codes=$(curl -s -w '%{http_code}\n' -H "Authorization: Bearer $akey" \
  $(for _ in $(seq 1 30); do printf -- '-o /dev/null %s ' "$U/api/v1/whoami"; done))
eq "no limit by default" 30 "$(grep -c 200 <<<"$codes")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
