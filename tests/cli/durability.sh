#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 in the middle of an import: the hub passes its integrity check,
# holds only whole committed batches, and importing the same file again
# completes it without duplicates.
source "$(dirname "$0")/lib/common.bash"
GEN=${VG_BUILD:-}/gen_bundle
[ -x "$GEN" ] || skip_all "gen_bundle not built (VG_BUILD unset)"
N=100000
BATCH=1000
"$GEN" $N >"$TMP/bundle.json"
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null

# The file reaches the importer through a FIFO that stalls after 4 MB, so the
# kill lands mid-import whatever the machine's speed.
mkfifo "$TMP/fifo"
{ head -c 4000000 "$TMP/bundle.json"; sleep 60; tail -c +4000001 "$TMP/bundle.json"; } >"$TMP/fifo" 2>/dev/null &
writer=$!
"$VIGIE" import --as A --batch $BATCH --format stix --json - <"$TMP/fifo" >"$TMP/first.json" 2>/dev/null &
pid=$!
stored=0
for _ in $(seq 1 600); do
  stored=$("$VIGIE" check --json 2>/dev/null | jq -r '.versions // 0' || echo 0)
  [ "$stored" -ge 2000 ] && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
pkill -P $writer 2>/dev/null || true
kill $writer 2>/dev/null || true
check "import was killed part-way" test "$stored" -ge 2000
r=$("$VIGIE" check --json)
eq "integrity check passes after kill -9" true "$(jq .ok <<<"$r")"
before=$(jq .versions <<<"$r")
check "something was stored before the kill" test "$before" -gt 0
check "not everything was stored (the kill came first)" test "$before" -lt $N
eq "only whole batches were committed" 0 $((before % BATCH))

r=$("$VIGIE" import --as A --json "$TMP/bundle.json")
eq "second import: what was stored comes back as duplicates" "$before" "$(jq .duplicates <<<"$r")"
eq "second import: the rest is new" $((N - before)) "$(jq .accepted <<<"$r")"
eq "nothing rejected" 0 "$(jq .rejected <<<"$r")"
r=$("$VIGIE" check --json)
eq "integrity after completion" true "$(jq .ok <<<"$r")"
eq "every object once" $N "$(jq .versions <<<"$r")"
eq "events without gaps" $N "$(jq .last_event <<<"$r")"
finish
