#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A hub on a small filesystem that fills up (SCENARIOS 17): `vigie import`
# and TAXII POSTs fail with a clear error once the disk is full, reads go on
# (the server keeps answering GETs), nothing acknowledged is lost, and the
# hub passes its integrity check.  Needs root to mount a 4 MiB tmpfs;
# skipped otherwise.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
GEN=${VG_BUILD:-}/gen_bundle
[ -x "$GEN" ] || skip_all "gen_bundle not built (VG_BUILD unset)"
FS=$TMP/fs
mkdir -p "$FS"
mount -t tmpfs -o size=4m tmpfs "$FS" 2>/dev/null || skip_all "cannot mount a tmpfs (needs root)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  umount "$FS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
export VIGIE_HUB=$FS/hub
"$VIGIE" init --name op >/dev/null
"$VIGIE" org add A --kind vendor >/dev/null
key=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add feed --write org:A --json | jq -r .id)

# Imports of 2,000 indicators until one fails.
acked=0
failed=""
for seed in $(seq 1 40); do
  "$GEN" 2000 "$seed" >"$TMP/b.json"
  if "$VIGIE" import --as A --json "$TMP/b.json" >"$TMP/imp.json" 2>"$TMP/imp.err"; then
    acked=$((acked + $(jq .accepted "$TMP/imp.json")))
  else
    failed=$seed
    break
  fi
done
check "an import eventually fails: the disk is full" test -n "$failed"
check "the import says why (disk full)" grep -qi "full" "$TMP/imp.err"
check "something was stored before ($acked objects)" test "$acked" -gt 0
r=$("$VIGIE" check --json)
eq "integrity check passes on the full disk" true "$(jq .ok <<<"$r")"
eq "every acknowledged object is there, nothing of the failed import" "$acked" "$(jq .versions <<<"$r")"

# The server on the full disk: writes get 503 with a JSON error, reads go on.
"$VIGIE" serve --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/out" "$TMP/log"; not_ok "server started"; finish; exit 1; }
U=http://127.0.0.1:$port/taxii2/root/collections/$cid/objects/
T="application/taxii+json;version=2.1"
"$GEN" 2000 99 | jq -c '{objects: .objects}' >"$TMP/env.json"
posted=0
code=""
for _ in $(seq 1 20); do
  code=$(curl -s -o "$TMP/post.json" -w '%{http_code}' -X POST -H "Accept: $T" -H "Content-Type: $T" \
    -H "Authorization: Bearer $key" --data-binary @"$TMP/env.json" "$U")
  [ "$code" = 202 ] || break
  posted=$((posted + $(jq .success_count "$TMP/post.json")))
  "$GEN" 2000 $((100 + posted)) | jq -c '{objects: .objects}' >"$TMP/env.json"
done
eq "a POST on the full disk: 503" 503 "$code"
check "with a JSON error body" bash -c "jq -e '.http_status == 503 and (.title | length > 0)' '$TMP/post.json' >/dev/null"
eq "reads go on" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" -H "Authorization: Bearer $key" "$U?limit=5")"
eq "health still answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/health")"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
r=$("$VIGIE" check --json)
eq "integrity check passes after the server" true "$(jq .ok <<<"$r")"
eq "everything acknowledged is there" $((acked + posted)) "$(jq .versions <<<"$r")"

# Space comes back: writes work again (a full disk does not stop the hub
# for good, unlike a failed fsync).
mount -o remount,size=32m "$FS"
"$GEN" 2000 "$failed" >"$TMP/b.json"
check "with space again the failed import goes through" bash -c "'$VIGIE' import --as A --json '$TMP/b.json' >/dev/null"
r=$("$VIGIE" check --json)
eq "integrity check after it" true "$(jq .ok <<<"$r")"
eq "and everything is there" $((acked + posted + 2000)) "$(jq .versions <<<"$r")"
finish
