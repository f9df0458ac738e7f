#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of `vigie serve` while envelopes are being POSTed: every envelope
# that got its 202 is stored in full after the crash, nothing is half-stored,
# and the hub passes its integrity check (DESIGN §7: acknowledged means
# durable).
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
GEN=${VG_BUILD:-}/gen_bundle
[ -x "$GEN" ] || skip_all "gen_bundle not built (VG_BUILD unset)"
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
key=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add feed --write org:A --json | jq -r .id)
"$GEN" 20000 >"$TMP/bundle.json"
mkdir -p "$TMP/env"
jq -c '.objects | _nwise(500) | {objects: .}' "$TMP/bundle.json" | split -l 1 -a 3 - "$TMP/env/e"

"$VIGIE" serve --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/out" "$TMP/log"; kill $pid; not_ok "server started"; finish; }
U=http://127.0.0.1:$port/taxii2/root/collections/$cid/objects/
T="application/taxii+json;version=2.1"

# Post envelopes one after another; kill -9 the server after the fifth 202.
acked=0
for f in "$TMP"/env/e*; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Accept: $T" -H "Content-Type: $T" \
    -H "Authorization: Bearer $key" --data-binary "@$f" "$U" || true)
  if [ "$code" = 202 ]; then
    acked=$((acked + 1))
    jq -r '.objects[].id' "$f" >>"$TMP/acked"
  fi
  if [ $acked = 5 ]; then
    # the next envelope is in flight when the server dies
    curl -s -o /dev/null -X POST -H "Accept: $T" -H "Content-Type: $T" \
      -H "Authorization: Bearer $key" --data-binary "@$(ls "$TMP"/env/e* | tail -1)" "$U" &
    sleep 0.05
    kill -9 $pid
    wait $pid 2>/dev/null || true
    break
  fi
done
eq "five envelopes acknowledged before the crash" 5 "$acked"
r=$("$VIGIE" check --json)
eq "integrity after kill -9" true "$(jq .ok <<<"$r")"
"$VIGIE" export --for A --max-tlp amber | jq -r '.objects[].id' | sort >"$TMP/stored"
missing=$(sort "$TMP/acked" | comm -23 - "$TMP/stored" | wc -l)
eq "every acknowledged object is stored" 0 "$missing"
n=$(wc -l <"$TMP/stored")
check "nothing half-stored: whole envelopes only" test $((n % 500)) -eq 0
finish
