#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every OASIS STIX 2.1 example goes in through TAXII POST (as the
# organisation that created it) and comes back through paged TAXII GETs with
# the same objects (the hub adds only its TLP marking; TLP:RED objects stay
# with their contributor, who reads them back too).
source "$(dirname "$0")/lib/common.bash"
EX=$SHARED/stix2-json-schemas/examples
[ -d "$EX" ] || skip_all "$EX not found (../shared/data is absent)"
command -v curl >/dev/null || skip_all "curl not installed"

"$VIGIE" init --name op >/dev/null
T="application/taxii+json;version=2.1"
n=0
declare -A keyof cid
while IFS= read -r -d '' f; do
  n=$((n + 1))
  creator=$(jq -r '[(if .type == "bundle" then (.objects // []) else [.] end)[] | .created_by_ref // empty] | unique | .[0] // empty' "$f")
  org=author$n
  if [ -n "$creator" ]; then
    "$VIGIE" org add "$org" --kind vendor --stix-id "$creator" >/dev/null 2>&1 || org=$(
      "$VIGIE" org list --json | jq -r --arg c "$creator" '.[] | select(.stix_id == $c) | .name')
  else
    "$VIGIE" org add "$org" --kind vendor >/dev/null
  fi
  [ -n "${keyof[$org]:-}" ] || keyof[$org]=$("$VIGIE" key create --org "$org" --scopes read,write --json | jq -r .secret)
  cid[$n]=$("$VIGIE" collection add "example-$n" --write "org:$org" --json | jq -r .id)
  echo "$f" >"$TMP/file$n"
  echo "$org" >"$TMP/org$n"
done < <(find "$EX" -name '*.json' -print0 | sort -z)

"$VIGIE" serve --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/out" "$TMP/log"; kill $pid; not_ok "server started"; finish; }
U=http://127.0.0.1:$port/taxii2/root/collections

for i in $(seq 1 $n); do
  f=$(cat "$TMP/file$i")
  org=$(cat "$TMP/org$i")
  name=$(basename "$f")
  H=(-H "Accept: $T" -H "Authorization: Bearer ${keyof[$org]}")
  jq -c '{objects: (if .type == "bundle" then (.objects // []) else [.] end)}' "$f" >"$TMP/env$i"
  r=$(curl -s -X POST "${H[@]}" -H "Content-Type: $T" --data-binary "@$TMP/env$i" "$U/${cid[$i]}/objects/")
  total=$(jq '.objects | length' "$TMP/env$i")
  eq "$name: POST status complete" "complete $total $total 0" \
    "$(jq -r '"\(.status) \(.total_count) \(.success_count) \(.failure_count)"' <<<"$r")"
  [ "$(jq .failure_count <<<"$r")" = 0 ] || jq -c '.failures[:3]' <<<"$r"
  # page back through everything, 3 objects at a time
  : >"$TMP/got$i"
  next=""
  for _ in $(seq 1 200); do
    q="?limit=3&match%5Bversion%5D=all${next:+&next=$next}"
    page=$(curl -s "${H[@]}" "$U/${cid[$i]}/objects/$q")
    jq -c '.objects[]?' <<<"$page" >>"$TMP/got$i"
    [ "$(jq .more <<<"$page")" = true ] || break
    next=$(jq -r .next <<<"$page")
  done
  norm='[.[] | del(.object_marking_refs)] | sort_by(.id, .modified)'
  want=$(jq -S "$norm" <(jq '.objects' "$TMP/env$i"))
  got=$(jq -s -S "$norm" "$TMP/got$i")
  eq "$name: the same objects back through paged GETs" "$want" "$got"
done
check "examples found" test "$n" -gt 0
kill -TERM $pid
wait $pid || true
finish
