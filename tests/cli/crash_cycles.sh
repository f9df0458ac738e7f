#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety, over and over (issue 8, SCENARIOS 15): CYCLES times (default
# 25; `CYCLES=100` for the recorded run), `vigie serve` takes TAXII POSTs
# from two clients while a `vigie import` writes beside it, and at a random
# moment the server and the import are killed with SIGKILL.  After each
# restart:
#   - every envelope answered 202 is stored, every object of it once;
#   - every import that exited 0 is stored;
#   - nothing is stored twice (a version per id: the envelopes carry new ids);
#   - the hub passes its integrity check (PRAGMA quick_check and the hub's
#     invariants: the event sequence has no gap, every version its event);
#   - `vigie verify --hub` re-derives the ledger and its checkpoints.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
GEN=${VG_BUILD:-}/gen_bundle
[ -x "$GEN" ] || skip_all "gen_bundle not built (VG_BUILD unset)"
CYCLES=${CYCLES:-25}
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
key=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add feed --write org:A --read org:A --json | jq -r .id)
T="application/taxii+json;version=2.1"
: >"$TMP/acked"
RANDOM=$$
"$GEN" 500 >"$TMP/imp.json"

# envelope N: 50 indicators with ids of their own (client, cycle, sequence)
envelope() { # CLIENT CYCLE SEQ
  local i
  printf '{"objects":['
  for i in $(seq 1 50); do
    [ "$i" = 1 ] || printf ','
    printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-%04x-4%03x-8%03x-%012x","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'"'10.%d.%d.%d'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' \
      "$2" "$1" $(($3 % 4096)) "$i" "$3" "$1" $(($2 % 250)) $(($3 % 250))
  done
  printf ']}'
}

poster() { # CLIENT CYCLE: POST envelopes until the server is gone
  local n=0 code
  while :; do
    n=$((n + 1))
    envelope "$1" "$2" $n >"$TMP/env.$1"
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -X POST -H "Accept: $T" -H "Content-Type: $T" \
      -H "Authorization: Bearer $key" --data-binary "@$TMP/env.$1" \
      "http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/" || true)
    [ "$code" = 202 ] || break
    jq -r '.objects[].id' "$TMP/env.$1" >>"$TMP/acked.$1"
  done
}

cycles_ok=0 imports=0
for c in $(seq 1 "$CYCLES"); do
  start_server
  : >"$TMP/acked.1"
  : >"$TMP/acked.2"
  # the same bundle every cycle: once stored, its objects are duplicates
  # (never a second version); an import that completed is acknowledged
  rm -f "$TMP/imported"
  ("$VIGIE" import --as A --tlp green "$TMP/imp.json" >/dev/null 2>&1 && touch "$TMP/imported") &
  imp=$!
  poster 1 "$c" &
  p1=$!
  poster 2 "$c" &
  p2=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$SERVER_PID" 2>/dev/null || true
  kill -9 "$imp" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  wait "$imp" 2>/dev/null || true
  wait "$p1" "$p2" 2>/dev/null || true
  cat "$TMP/acked.1" "$TMP/acked.2" >>"$TMP/acked"
  if [ -f "$TMP/imported" ]; then
    imports=$((imports + 1))
    jq -r '.objects[].id' "$TMP/imp.json" >>"$TMP/acked"
  fi
  # the checks, on the hub as the crash left it
  good=1
  r=$("$VIGIE" check --json 2>&1) || good=0
  [ "$(jq -r .ok <<<"$r" 2>/dev/null)" = true ] || { echo "# cycle $c: check: $r"; good=0; }
  "$VIGIE" verify --hub "$VIGIE_HUB" >"$TMP/verify" 2>&1 || { echo "# cycle $c: $(tail -3 "$TMP/verify")"; good=0; }
  sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE json <> '' AND org_id = (SELECT id FROM org WHERE name = 'A')" |
    sort >"$TMP/stored"
  dup=$(uniq -d "$TMP/stored" | wc -l)
  missing=$(sort -u "$TMP/acked" | comm -23 - <(uniq "$TMP/stored") | wc -l)
  [ "$dup" = 0 ] || { echo "# cycle $c: $dup ids stored twice"; good=0; }
  [ "$missing" = 0 ] || { echo "# cycle $c: $missing acknowledged objects missing"; good=0; }
  [ $good = 1 ] && cycles_ok=$((cycles_ok + 1))
done
eq "$CYCLES kill -9 cycles: every check held" "$CYCLES" "$cycles_ok"
check "objects were acknowledged across the cycles" test "$(sort -u "$TMP/acked" | wc -l)" -gt 0
echo "# $(sort -u "$TMP/acked" | wc -l) acknowledged objects, $(wc -l <"$TMP/stored") stored, $imports imports completed, $CYCLES crashes"
finish
