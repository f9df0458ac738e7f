#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `vigie serve` for real on a loopback port: health without credentials,
# whoami with a Bearer or Basic key, the same 401 for every bad credential
# (with WWW-Authenticate and a TAXII-shaped error body), 404 as JSON, and a
# clean exit on SIGTERM.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
init=$("$VIGIE" init --name op --json)
secret=$(jq -r .key.secret <<<"$init")
kid=$(jq -r .key.id <<<"$init")
"$VIGIE" org add Police --kind law-enforcement >/dev/null
psecret=$("$VIGIE" key create --org Police --scopes read --json | jq -r .secret)
"$VIGIE" key revoke "${psecret%%.*}" >/dev/null

"$VIGIE" serve --listen 127.0.0.1:0 --threads 2 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 100); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
check "server says where it listens" test -n "$port"
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
eq "wrong secret: 401" 401 "$(bad -H "Authorization: Bearer ${secret%?}0")"
eq "wrong secret: same body" "$ref" "$(cat "$TMP/b")"
eq "unknown key: 401" 401 "$(bad -H "Authorization: Bearer vk_0123456789abcdef.${secret#*.}")"
eq "unknown key: same body" "$ref" "$(cat "$TMP/b")"
eq "revoked key: 401" 401 "$(bad -H "Authorization: Bearer $psecret")"
eq "revoked key: same body" "$ref" "$(cat "$TMP/b")"
eq "garbage header: 401" 401 "$(bad -H "Authorization: Basic %%%")"
eq "unknown path: 404" 404 "$(curl -s -o "$TMP/b" -w '%{http_code}' "$U/nope/../etc/passwd")"
eq "404 body" 404 "$(jq .http_status "$TMP/b")"

kill -TERM $pid
status=0
wait $pid || status=$?
eq "SIGTERM: clean exit" 0 "$status"
check "logged the clean shutdown" grep -q '"event":"stopped"' "$TMP/log"
eq "one JSON log line per request" 9 "$(grep -c '"event":"request"' "$TMP/log")"
finish
