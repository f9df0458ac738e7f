#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A failed fsync is fatal for writing (SCENARIOS 18, docs/store.md
# "Failures"): `vigie serve` runs with a preloaded library that makes fsync
# fail while a file exists.  Once one fails, the POST that needed it is not
# acknowledged (503), every later write gets 503 even when fsync works
# again (no retry: the kernel may have dropped the pages), reads go on,
# health says "read-only"; after a restart the hub is intact, holds
# everything acknowledged, and the failed envelope whole or not at all.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
LIB=${VG_BUILD:-}/libvg_failsync.so
[ -f "$LIB" ] || skip_all "libvg_failsync.so not built (VG_BUILD unset)"
T="application/taxii+json;version=2.1"
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
key=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add feed --write org:A --json | jq -r .id)
env_for() { # envelope N: three new indicators
  jq -nc --arg n "$1" '{objects: [range(3) as $i | {type: "indicator", spec_version: "2.1",
    id: ("indicator--" + ("00000000" + $n | .[-8:]) + "-000\($i)-4000-8000-000000000000"),
    created: "2026-01-01T00:00:00Z", modified: "2026-01-01T00:00:00Z",
    pattern: "[domain-name:value = '"'"'n\($n)-\($i).example.net'"'"']", pattern_type: "stix",
    valid_from: "2026-01-01T00:00:00Z"}]}'
}
post() { # post N: the status code
  env_for "$1" >"$TMP/env.json"
  curl -s -o "$TMP/post.json" -w '%{http_code}' -X POST -H "Accept: $T" -H "Content-Type: $T" \
    -H "Authorization: Bearer $key" --data-binary @"$TMP/env.json" "$U/taxii2/root/collections/$cid/objects/"
}
export VG_FAILSYNC_FILE=$TMP/fail
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$LIB start_server
U=http://127.0.0.1:$PORT
eq "a POST while fsync works: 202" 202 "$(post 1)"
touch "$TMP/fail"
eq "a POST whose fsync fails: 503" 503 "$(post 2)"
check "... with a JSON error body" bash -c "jq -e '.http_status == 503' '$TMP/post.json' >/dev/null"
rm -f "$TMP/fail"
eq "fsync works again, but the server writes nothing more: 503" 503 "$(post 3)"
eq "reads go on" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" -H "Authorization: Bearer $key" "$U/taxii2/root/collections/$cid/objects/")"
eq "health says read-only" '{"status":"read-only"}' "$(curl -s "$U/api/v1/health")"
check "the failure is logged" grep -q store_sync_failed "$TMP/serve.log"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true

unset LD_PRELOAD
r=$("$VIGIE" check --json)
eq "after the restart: intact" true "$(jq .ok <<<"$r")"
v=$(jq .versions <<<"$r")
check "the acknowledged envelope is there, the failed one whole or absent ($v versions)" \
  bash -c "[ '$v' = 3 ] || [ '$v' = 6 ]"
start_server
U=http://127.0.0.1:$PORT
eq "after the restart writes work again" 202 "$(post 4)"
eq "health ok" '{"status":"ok"}' "$(curl -s "$U/api/v1/health")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
