#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Many requests at once on every shared part of the server: four writers
# POSTing envelopes into one collection while readers page it, fetch the
# manifest and single objects, a stream subscriber follows, /metrics and the
# ledger are read, and the checkpoint signer runs every few leaves.  Checks
# what concurrency could break: every acknowledged object is stored once,
# the stream delivers every event exactly once and in order, the hub passes
# its check and the ledger verifies.  scripts/test also runs this under
# ThreadSanitizer (preset tsan), where any data race fails the run.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
"$VIGIE" org add B --kind vendor >/dev/null
kA=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
kB=$("$VIGIE" key create --org B --scopes read --json | jq -r .secret)
kop=$("$VIGIE" key create --org op --scopes read,admin --json | jq -r .secret)
cid=$("$VIGIE" collection add feed --read community --write org:A --json | jq -r .id)
start_server --threads 4 --checkpoint-leaves 7
U=http://127.0.0.1:$PORT
O=$U/taxii2/root/collections/$cid/objects/
T="application/taxii+json;version=2.1"
WRITERS=4 ENVELOPES=6 PER=5

# envelope W E: PER indicators with ids unique to writer W, envelope E.
envelope() {
  local i sep=""
  printf '{"objects":['
  for i in $(seq 1 $PER); do
    printf '%s{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-%04d-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'"'198.18.%d.%d'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}' \
      "$sep" "$1" "$2" "$i" "$1" $(($2 * PER + i))
    sep=,
  done
  printf ']}'
}
writer() { # writer W: POST its envelopes one after another, log each status
  local e
  for e in $(seq 1 $ENVELOPES); do
    envelope "$1" "$e" >"$TMP/env.$1.$e"
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -u "${kA%%.*}:$kA" -H "Accept: $T" \
      -H "Content-Type: $T" --data-binary @"$TMP/env.$1.$e" "$O" >>"$TMP/post.$1"
  done
}
reader() { # reader N: keep paging, reading the manifest and whoami while writers run
  local n
  for n in $(seq 1 12); do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Accept: $T" -H "Authorization: Bearer $kB" \
      "$O?limit=7" >>"$TMP/read.$1"
    curl -s -o /dev/null -w '%{http_code}\n' -H "Accept: $T" -H "Authorization: Bearer $kB" \
      "$U/taxii2/root/collections/$cid/manifest/?limit=3" >>"$TMP/read.$1"
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $kop" "$U/metrics" \
      >>"$TMP/read.$1"
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $kB" \
      "$U/api/v1/ledger/checkpoint" >>"$TMP/read.$1"
  done
}

total=$((WRITERS * ENVELOPES * PER))
VIGIE_KEY=$kB timeout 60 "$VIGIE" follow "$U" --from 0 --max-events $total >"$TMP/stream" &
follower=$!
pids=()
for w in $(seq 1 $WRITERS); do writer "$w" & pids+=($!); done
for r in 1 2; do reader "$r" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
wait "$follower" || true

eq "every POST acknowledged" "$((WRITERS * ENVELOPES))" "$(cat "$TMP"/post.* | grep -c '^202$')"
eq "every concurrent read answered 200" "" "$(cat "$TMP"/read.* | grep -v '^200$' | sort -u | xargs)"
stored=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kB" "$O?limit=1000" | jq '.objects | length')
eq "every acknowledged object stored once" "$total" "$stored"
eq "the stream delivered every event" "$total" "$(wc -l <"$TMP/stream")"
eq "... each once" "$total" "$(jq -r .data.id "$TMP/stream" | sort -u | wc -l)"
for w in $(seq 1 $WRITERS); do
  jq -r .data.id "$TMP/stream" | grep "^indicator--$(printf %08d "$w")" >"$TMP/order.$w" || true
done
eq "... each writer's objects in the order they were committed" "" \
  "$(for w in $(seq 1 $WRITERS); do sort -c "$TMP/order.$w" 2>&1 || echo "writer $w"; done)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
eq "clean exit under concurrent load" 0 $?
check "hub check passes" "$VIGIE" check >/dev/null
check "ledger verifies" "$VIGIE" verify --hub "$VIGIE_HUB" >/dev/null
finish
