#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sharing matrix: every TLP x audience (community, a group, a named
# organisation), read by every kind of requester (the contributor, a group
# member who is also the named organisation, an outsider, a revoked key, an
# expired key, a group member whose organisation was disabled), on every read
# path (TAXII object list, manifest, object, versions, status, and the CLI
# export, where AMBER+STRICT and RED never leave the hub).  Each path must
# show exactly what the policy allows: zero leaks, and nothing lost.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
"$VIGIE" init --name op >/dev/null
for o in A B C D; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
"$VIGIE" group members g --add D >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes read,write --json | jq -r .secret; }
kA=$(key A) kB=$(key B) kC=$(key C) kR=$(key B) kD=$(key D) kX=$(key B)
"$VIGIE" key revoke "${kR%%.*}" >/dev/null
# B's key X expired a second after the epoch (no command makes a key that
# is already expired, so the clock is moved in the database itself)
sqlite3 "$VIGIE_HUB/vigie.db" "UPDATE api_key SET expires_us = 1000000 WHERE id = '${kX%%.*}'"
cid=$("$VIGIE" collection add pub --read community --write org:A --json | jq -r .id)

# One indicator per TLP x audience, contributed by A.
declare -A want_B want_C
n=0
for tlp in clear green amber amber+strict red; do
  for aud in community group named; do
    n=$((n + 1))
    id=$(printf 'indicator--%08d-0000-4000-8000-000000000000' $n)
    printf '{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'"'198.18.0.%d'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' \
      "$id" $n >"$TMP/o$n.json"
    case $aud in
      community) extra=() ;;
      group) extra=(--group g) ;;
      named) extra=(--share-with B) ;;
    esac
    "$VIGIE" import --as A --tlp "$tlp" "${extra[@]}" --collection pub "$TMP/o$n.json" >/dev/null
    # The policy: RED reaches only those named (group or organisation), else
    # only its contributor; other TLPs reach the community unless an
    # audience is named.  B is in g and is the named organisation.
    if [ $aud = community ] && [ $tlp != red ]; then want_B[$id]=1; want_C[$id]=1; fi
    if [ $aud != community ]; then want_B[$id]=1; fi
    echo "$id" >>"$TMP/all"
    # AMBER+STRICT and RED never leave the hub by export.
    case $tlp in amber+strict | red) echo "$id" >>"$TMP/stays" ;; esac
  done
done

"$VIGIE" serve --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/out" "$TMP/log"; kill $pid; not_ok "server started"; finish; }
U=http://127.0.0.1:$port/taxii2/root/collections/$cid
T="application/taxii+json;version=2.1"

expected() { # who -> sorted ids
  case $1 in
    A) sort "$TMP/all" ;;
    B) printf '%s\n' "${!want_B[@]}" | sort ;;
    C) printf '%s\n' "${!want_C[@]}" | sort ;;
    R | D | X) : ;;
  esac
}
# D is a member of g, then its organisation is disabled: it sees nothing.
"$VIGIE" org disable D >/dev/null
# A status resource of A's (one POST), readable by A alone.
env='{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--99999999-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'"'198.18.1.1'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}'
sid=$(curl -s -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $kA" --data-binary "$env" "$U/objects/" | jq -r .id)
echo indicator--99999999-0000-4000-8000-000000000000 >>"$TMP/all"
want_C[indicator--99999999-0000-4000-8000-000000000000]=1
want_B[indicator--99999999-0000-4000-8000-000000000000]=1
for who in A B C R D X; do
  k=$(eval echo "\$k$who")
  H=(-H "Accept: $T" -H "Authorization: Bearer $k")
  want=$(expected $who)
  # follow the pages
  page=$(curl -s "${H[@]}" "$U/objects/?limit=2")
  ids=$(jq -r '.objects[]?.id' <<<"$page")
  while [ "$(jq -r '.more // false' <<<"$page")" = true ]; do
    page=$(curl -s "${H[@]}" "$U/objects/?limit=2&next=$(jq -r .next <<<"$page")")
    ids="$ids"$'\n'"$(jq -r '.objects[]?.id' <<<"$page")"
  done
  eq "$who: paged object list" "$want" "$(grep . <<<"$ids" | sort || true)"
  eq "$who: manifest" "$want" "$(curl -s "${H[@]}" "$U/manifest/?limit=1000" | jq -r '.objects[]?.id' | sort)"
  got_one="" got_ver=""
  for id in $(cat "$TMP/all"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" "$U/objects/$id/")" = 200 ] && got_one="$got_one$id"$'\n'
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" "$U/objects/$id/versions/")" = 200 ] && got_ver="$got_ver$id"$'\n'
  done
  eq "$who: object by id" "$want" "$(grep . <<<"$got_one" | sort || true)"
  eq "$who: versions by id" "$want" "$(grep . <<<"$got_ver" | sort || true)"
  case $who in A) st=200 ;; B | C) st=404 ;; *) st=401 ;; esac # R, D, X: no valid key
  eq "$who: status of A's POST" $st \
    "$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" "${U%/collections/*}/status/$sid/")"
  if [ $who != R ] && [ $who != D ] && [ $who != X ]; then
    eq "$who: CLI export (what may leave the hub)" "$(grep -vxF -f "$TMP/stays" <<<"$want" || true)" \
      "$("$VIGIE" export --for $who 2>/dev/null | jq -r '.objects[]?.id' | grep indicator | sort || true)"
  fi
done
kill -TERM $pid
wait $pid || true
finish
