#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live stream (GET /api/v1/stream) through `vigie follow`: resume at
# every boundary (before the first event, in the middle, at the head, past
# retention), policy at send time (a partner leaving a group, a TLP
# tightened, a key revoked mid-stream), deletions, and a server restart in
# the middle of a stream with zero loss and nothing twice.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
"$VIGIE" init --name op >/dev/null
for o in A B C; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes read,write --json | jq -r .secret; }
kA=$(key A) kB=$(key B) kC=$(key C)
"$VIGIE" collection add feed --read community --write org:A >/dev/null
ind() { # ind N TLP [MODIFIED] -> a STIX indicator file
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00Z","modified":"%s","pattern":"[ipv4-addr:value = '"'"'198.18.2.%d'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' \
    "$1" "${3:-2026-01-01T00:00:00Z}" "$1" >"$TMP/i$1.json"
  "$VIGIE" import --as A --tlp "$2" --collection feed "$TMP/i$1.json" >/dev/null
}
ids() { jq -r '.data.id' "$@"; }
for n in 1 2 3; do ind $n clear; done
"$VIGIE" import --as A --tlp amber --group g --collection feed <(echo 198.18.9.9) >/dev/null
echo '{"stream": {"heartbeat_s": 1}}' >"$TMP/conf.json"
start_server --config "$TMP/conf.json"
U=http://127.0.0.1:$PORT
follow() { VIGIE_KEY=$1 timeout 20 "$VIGIE" follow "$U" "${@:2}"; }

# --- resume at every boundary
follow "$kB" --from 0 --max-events 4 >"$TMP/b_all"
eq "from the start: every event B may see, in order" \
  "indicator--00000001-0000-4000-8000-000000000000 indicator--00000002-0000-4000-8000-000000000000 indicator--00000003-0000-4000-8000-000000000000" \
  "$(ids "$TMP/b_all" | head -3 | xargs)"
eq "... and the group's AMBER one" 4 "$(wc -l <"$TMP/b_all")"
eq "events are named" "added" "$(jq -r .event "$TMP/b_all" | sort -u)"
mid=$(sed -n 2p "$TMP/b_all" | jq -r .id)
follow "$kB" --from "$mid" --max-events 2 >"$TMP/b_mid"
eq "from the middle: exactly what follows" "$(sed -n '3,4p' "$TMP/b_all" | jq -r .data.id)" "$(ids "$TMP/b_mid")"
follow "$kC" --from 0 --max-events 3 >"$TMP/c_all"
eq "an outsider: the CLEAR ones only" 3 "$(ids "$TMP/c_all" | grep -c 'indicator--0000000')"
check "ids are opaque and per partner (C's differ from B's)" \
  bash -c "! grep -qF '$(head -1 "$TMP/b_all" | jq -r .id)' '$TMP/c_all'"
eq "another partner's position is refused" 1 \
  "$(follow "$kC" --from "$mid" --max-events 1 >/dev/null 2>&1; echo $?)"
head=$(tail -1 "$TMP/b_all" | jq -r .id)
follow "$kB" --from "$head" --max-events 1 >"$TMP/b_head" &
f=$!
sleep 1
ind 4 clear
wait $f || true
eq "from the head: the next event only" indicator--00000004-0000-4000-8000-000000000000 "$(ids "$TMP/b_head")"

# --- policy at send time
VIGIE_KEY=$kB timeout 60 "$VIGIE" follow "$U" >"$TMP/b_live" 2>"$TMP/b_live.err" &
fb=$!
VIGIE_KEY=$kC timeout 60 "$VIGIE" follow "$U" >"$TMP/c_live" 2>"$TMP/c_live.err" &
fc=$!
# a second stream of each key: the key's check every second is shared
VIGIE_KEY=$kB timeout 60 "$VIGIE" follow "$U" >"$TMP/b_live2" 2>/dev/null &
fb2=$!
VIGIE_KEY=$kC timeout 60 "$VIGIE" follow "$U" >"$TMP/c_live2" 2>"$TMP/c_live2.err" &
fc2=$!
sleep 1
"$VIGIE" import --as A --tlp amber --group g --collection feed <(echo 198.18.9.10) >/dev/null
ind 5 clear
for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/b_live")" -ge 2 ] && break; sleep 0.1; done
eq "B, in the group, gets the group's event and the CLEAR one" 2 "$(wc -l <"$TMP/b_live")"
"$VIGIE" group members g --remove B >/dev/null
sleep 1.5 # the stream checks the key and its groups every second
"$VIGIE" import --as A --tlp amber --group g --collection feed <(echo 198.18.9.11) >/dev/null
ind 6 clear
for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/b_live")" -ge 3 ] && break; sleep 0.1; done
sleep 0.5
eq "B, out of the group, no longer gets its events" \
  "indicator--00000006-0000-4000-8000-000000000000" "$(tail -n +3 "$TMP/b_live" | jq -r .data.id)"
for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/b_live2")" -ge 3 ] && break; sleep 0.1; done
eq "... on both of its streams" "$(jq -r .data.id "$TMP/b_live")" "$(jq -r .data.id "$TMP/b_live2")"
"$VIGIE" key revoke "${kC%%.*}" >/dev/null
wait $fc && st=0 || st=$?
eq "a revoked key's stream ends at once, with an error" 1 "$st"
check "... saying why" grep -q "no longer valid" "$TMP/c_live.err"
wait $fc2 && st=0 || st=$?
eq "... and so does its other stream" 1 "$st"
check "... saying why" grep -q "no longer valid" "$TMP/c_live2.err"
# a version made RED: C no longer gets any version of it from the start
kC2=$(key C)
ind 1 red 2026-02-01T00:00:00Z
follow "$kC2" --from 0 --max-events 4 >"$TMP/c_after"
check "a tightened object: none of its versions reach the outsider" \
  bash -c "! grep -q indicator--00000001-0000 '$TMP/c_after'"

# --- deletion reaches those who saw the object
T="application/taxii+json;version=2.1"
cid=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kA" "$U/taxii2/root/collections/" | jq -r '.collections[0].id')
eq "A deletes an object" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Accept: $T" -H "Authorization: Bearer $kA" "$U/taxii2/root/collections/$cid/objects/indicator--00000002-0000-4000-8000-000000000000/")"
for _ in $(seq 1 100); do grep -q '"deleted"' "$TMP/b_live" && break; sleep 0.1; done
eq "B gets the deletion" "deleted indicator--00000002-0000-4000-8000-000000000000 2026-01-01T00:00:00.000000Z" \
  "$(jq -r 'select(.event == "deleted") | "\(.event) \(.data.id) \(.data.deleted_versions[0])"' "$TMP/b_live")"
check "... without the audience it had" bash -c "! grep -q audience '$TMP/b_live'"

# --- a server restart in the middle of a stream: nothing lost, nothing twice
for n in 11 12 13; do ind $n clear; done
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true
for n in 14 15 16; do ind $n clear; done # while the server is down
"$VIGIE" serve --listen "127.0.0.1:$PORT" --config "$TMP/conf.json" >"$TMP/serve2.out" 2>>"$TMP/serve.log" &
SERVER_PID=$!
sleep 0.5
for n in 17 18 19; do ind $n clear; done
for _ in $(seq 1 150); do [ "$(grep -c 'indicator--000000[1][1-9]' "$TMP/b_live")" -ge 9 ] && break; sleep 0.1; done
eq "across the restart: all 9 events" "11 12 13 14 15 16 17 18 19" \
  "$(jq -r 'select(.event == "added") | .data.id' "$TMP/b_live" | sed -n 's/indicator--000000\(1[1-9]\)-.*/\1/p' | xargs)"
eq "nothing twice" "$(wc -l <"$TMP/b_live")" "$(jq -r .id "$TMP/b_live" | sort -u | wc -l)"
check "follow said it reconnected" grep -q reconnecting "$TMP/b_live.err"
kill $fb $fb2 2>/dev/null || true

# --- past retention: events older than the window answer 410
first=$(head -1 "$TMP/b_all" | jq -r .id)
sqlite3 "$VIGIE_HUB/vigie.db" "UPDATE object SET date_added_us = date_added_us - 400 * 86400000000 WHERE rowid <= 3"
eq "a position older than the retention window: 410" 410 \
  "$(curl -s -o "$TMP/gone" -w '%{http_code}' -H "Authorization: Bearer $kB" -H "Last-Event-ID: $first" "$U/api/v1/stream")"
check "... telling the client to re-synchronise over TAXII" grep -q TAXII "$TMP/gone"
eq "follow stops on it" 1 "$(follow "$kB" --from "$first" --max-events 1 >/dev/null 2>&1; echo $?)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
