#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Warning lists with the real MISP lists (../shared/data/misp-warninglists):
# each list type (string, hostname and its subdomains, cidr in IPv4 and
# IPv6, substring, regex) on values in any spelling (upper case, trailing
# dot, defanged, IPv4-mapped); values flagged when the lists are loaded and
# when they are imported later; look-ups name the lists; sensor, CSV and
# plain exports, snapshots and match --for leave flagged values out unless
# --include-warninglisted; a re-load with a changed list re-flags the hub;
# and nothing the policy hides shows through a warning list (a value only a
# hidden partner reported answers exactly as one never reported).
source "$(dirname "$0")/lib/common.bash"
W=$SHARED/misp-warninglists
[ -d "$W/lists" ] || skip_all "$W not found (../shared/data is absent)"
command -v jq >/dev/null || skip_all "jq not installed"

"$VIGIE" init --name op >/dev/null
for o in A B C; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null

RFC1918="List of RFC 1918 CIDR blocks"
SHORT="List of known URL Shorteners domains"

# before any list: nothing is flagged, look-ups say so
printf '%s\n' 'WWW.Google.COM.' 10.1.2.3 evil-c2-domain.example.net >"$TMP/before.txt"
"$VIGIE" import --as A --tlp clear "$TMP/before.txt" >/dev/null
eq "no lists: an empty warninglists" '[]' "$("$VIGIE" lookup --for C www.google.com | jq -c .warninglists)"
eq "no lists: everything exported" 3 "$("$VIGIE" export --for C --format plain | wc -l)"

# load the real lists: every list recorded, values already held re-flagged
out=$("$VIGIE" warninglist load --json "$W")
eq "every real list loaded" "$(find "$W/lists" -name list.json | wc -l)" "$(jq .lists <<<"$out")"
eq "the two values already held are flagged" 2 "$(jq .flagged_values <<<"$out")"
eq "list shows them" "$(jq .lists <<<"$out")" "$("$VIGIE" warninglist list --json | jq length)"
eq "list names type, version and entries" '["cidr","5",3]' \
  "$("$VIGIE" warninglist list --json | jq -c --arg n "$RFC1918" '.[] | select(.name == $n) | [.type, .version, .entries]')"

# values imported now are flagged as they are stored
printf '%s\n' sub.bit.ly 'hxxps://bit[.]ly/abc' 192.168.0.0/24 2001:4860:4860::8888 \
  ::ffff:10.0.0.1 foo@mailinator.com abuse@example.com d41d8cd98f00b204e9800998ecf8427e \
  totally-bad-host.cn 2a03:dead:beef::1 badguy@evil-c2.cn 'http://evil-c2.cn/x' >"$TMP/after.txt"
"$VIGIE" import --as A --tlp clear "$TMP/after.txt" >/dev/null

# one look-up per list type and spelling: the lists named for the value
on() { "$VIGIE" lookup --for C "$1" | jq -r --arg n "$2" '.warninglists | index($n) != null'; }
t() { eq "$1: '$2' is on '$3'" true "$(on "$2" "$3")"; }
t "string (Cisco top), upper case and trailing dot" 'WWW.Google.COM.' "Top 1000 websites from Cisco Umbrella"
t "hostname: a subdomain of a listed host" sub.bit.ly "$SHORT"
t "hostname: a defanged URL's host" 'hxxps://bit[.]ly/abc' "$SHORT"
t "cidr: an address inside a listed range" 10.1.2.3 "$RFC1918"
t "cidr: a range inside a listed range" 192.168.0.0/24 "$RFC1918"
t "cidr: IPv4-mapped IPv6" ::ffff:10.0.0.1 "$RFC1918"
t "cidr: IPv6" 2001:4860:4860:0:0:0:0:8888 "List of known IPv6 public DNS resolvers"
t "substring" FOO@Mailinator.com "List of disposable email domains"
t "regex" abuse@example.com "Common contact e-mail addresses"
t "string: a hash, upper case" D41D8CD98F00B204E9800998ECF8427E "List of known hashes for empty files"
eq "an unlisted value: no list" '[]' "$("$VIGIE" lookup --for C totally-bad-host.cn | jq -c .warninglists)"
eq "near miss: notbit.ly is no subdomain" false "$(on notbit.ly "$SHORT")"
eq "near miss: 11.0.0.1 is outside 10/8" false "$(on 11.0.0.1 "$RFC1918")"
eq "the matched indicator names its lists too" true \
  "$("$VIGIE" lookup --for C a.b.sub.bit.ly | jq --arg n "$SHORT" \
     '.matches[0].rule == "subdomain" and (.matches[0].indicator.warninglists | index($n) != null)')"
eq "check agrees with lookup" \
  "$("$VIGIE" lookup --for C sub.bit.ly | jq -c .warninglists)" \
  "$("$VIGIE" warninglist check --json sub.bit.ly | jq -c '.[0].warninglists')"

# exports: flagged values are left out unless asked
unlisted=$(printf '%s\n' evil-c2-domain.example.net totally-bad-host.cn 2a03:dead:beef::1 \
  badguy@evil-c2.cn 'http://evil-c2.cn/x' | sort)
eq "plain leaves flagged values out" "$unlisted" "$("$VIGIE" export --for C --format plain | sort)"
eq "plain --include-warninglisted keeps them" 15 \
  "$("$VIGIE" export --for C --format plain --include-warninglisted | wc -l)"
eq "csv leaves them out" 5 "$("$VIGIE" export --for C --format csv | tail -n +2 | wc -l)"
eq "zeek-intel leaves them out" 0 "$("$VIGIE" export --for C --format zeek-intel | grep -c -e bit.ly -e google -e '10\.1\.2\.3')" || true
check "zeek-intel --include-warninglisted keeps them" \
  grep -q bit.ly <("$VIGIE" export --for C --format zeek-intel --include-warninglisted)
eq "rpz leaves them out" 0 "$("$VIGIE" export --for C --format rpz | grep -c -e bit.ly -e google)" || true
"$VIGIE" export --for C --format suricata -o "$TMP/sur" 2>/dev/null
"$VIGIE" export --for C --format suricata --include-warninglisted -o "$TMP/sur-all" 2>/dev/null
eq "suricata: only the two unlisted domains" 2 "$(wc -l <"$TMP/sur/vigie-domains.lst")"
check "suricata --include-warninglisted keeps them" test "$(wc -l <"$TMP/sur-all/vigie-domains.lst")" -gt 1
n1=$("$VIGIE" snapshot --for C -o "$TMP/s1" --json | jq .indicators)
n2=$("$VIGIE" snapshot --for C -o "$TMP/s2" --include-warninglisted --json | jq .indicators)
eq "snapshot leaves them out" 5 "$n1"
eq "snapshot --include-warninglisted keeps them" 15 "$n2"
printf 'GET http://sub.bit.ly/ from 10.1.2.3 to totally-bad-host.cn\n' >"$TMP/log"
eq "match --for: no hit on listed values" "totally-bad-host.cn" \
  "$("$VIGIE" match --for C "$TMP/log" | jq -r .indicator | sort | xargs)"
eq "match --for --include-warninglisted: every hit" "10.1.2.3 sub.bit.ly totally-bad-host.cn" \
  "$("$VIGIE" match --for C --include-warninglisted "$TMP/log" | jq -r .indicator | sort | xargs)"

# re-load with a changed list: RFC 1918 without 10/8 (version 99) and a list
# of our own; the hub is re-flagged, the look-up and exports follow
mkdir -p "$TMP/wl/rfc1918" "$TMP/wl/ours"
jq '.version = 99 | .list = ["192.168.0.0/16", "172.16.0.0/12"]' "$W/lists/rfc1918/list.json" \
  >"$TMP/wl/rfc1918/list.json"
printf '{"name":"Ours","version":1,"type":"hostname","matching_attributes":["domain"],"list":["Totally-Bad-Host.CN."]}' \
  >"$TMP/wl/ours/list.json"
out=$("$VIGIE" warninglist load --json "$TMP/wl")
eq "re-load: two lists loaded, one new" "$(($(find "$W/lists" -name list.json | wc -l) + 1))" "$(jq .lists <<<"$out")"
eq "the new version is recorded" 99 \
  "$("$VIGIE" warninglist list --json | jq -r --arg n "$RFC1918" '.[] | select(.name == $n) | .version')"
eq "10.1.2.3 is no longer on RFC 1918" false "$(on 10.1.2.3 "$RFC1918")"
eq "192.168.0.0/24 still is" true "$(on 192.168.0.0/24 "$RFC1918")"
eq "a value already held is on the new list" true "$(on totally-bad-host.cn Ours)"
eq "an unlisted value on no list" '[]' "$("$VIGIE" lookup --for C evil-c2-domain.example.net | jq -c .warninglists)"
check "the re-flagged value leaves the export" \
  bash -c "! \"$VIGIE\" export --for C --format plain | grep -q totally-bad-host"
out=$("$VIGIE" warninglist remove --json Ours)
eq "remove: one list fewer" "$(find "$W/lists" -name list.json | wc -l)" "$(jq .lists <<<"$out")"
check "removed: the value is exported again" \
  bash -c "\"$VIGIE\" export --for C --format plain | grep -q totally-bad-host"
eq "removing an unknown list fails" 1 "$("$VIGIE" warninglist remove Nope 2>/dev/null; echo $?)"
echo '{"name":"broken","list":[' >"$TMP/broken.json"
before=$("$VIGIE" warninglist list --json | jq -c 'map([.name, .version])')
check "a broken file is refused" bash -c "! \"$VIGIE\" warninglist load \"$TMP/broken.json\" 2>\"$TMP/err\""
check "naming the file" grep -q broken.json "$TMP/err"
eq "and the lists are unchanged" "$before" "$("$VIGIE" warninglist list --json | jq -c 'map([.name, .version])')"

# the sharing rules: B reports hidden.bit.ly (listed) to group g only; C is
# outside g.  For C it is exactly a listed value never reported.
# C's every view before B's report...
view() {
  "$VIGIE" lookup --for C hidden.bit.ly
  "$VIGIE" export --for C --format plain --include-warninglisted
  "$VIGIE" export --for C --format zeek-intel --include-warninglisted 2>/dev/null | grep -v '^#'
  "$VIGIE" snapshot --for C --include-warninglisted -o "$TMP/view.snap" --json | jq -c '[.indicators, .claims]'
  "$VIGIE" match --for C --include-warninglisted "$TMP/hidden.log"
}
echo "GET http://hidden.bit.ly/x" >"$TMP/hidden.log"
view >"$TMP/view.before" 2>/dev/null
echo hidden.bit.ly >"$TMP/hidden.txt"
"$VIGIE" import --as B --tlp amber --group g "$TMP/hidden.txt" >/dev/null
view >"$TMP/view.after" 2>/dev/null
check "(C sees something: the comparison means something)" test "$(wc -l <"$TMP/view.after")" -gt 10
check "C's look-up, exports, snapshot and match are unchanged by B's hidden report" \
  cmp -s "$TMP/view.before" "$TMP/view.after"
strip() { jq -c 'del(.query, .value)'; }
eq "C: a listed value only a hidden partner reported = one never reported" \
  "$("$VIGIE" lookup --for C never.bit.ly | strip)" "$("$VIGIE" lookup --for C hidden.bit.ly | strip)"
eq "A (in g) sees B's report, with the lists" true \
  "$("$VIGIE" lookup --for A hidden.bit.ly | jq --arg n "$SHORT" \
     '(.matches[0].contributions[0].organisation == "B") and (.warninglists | index($n) != null)')"
check "C's --include-warninglisted export does not show it" \
  bash -c "! \"$VIGIE\" export --for C --format plain --include-warninglisted | grep -q hidden.bit.ly"
check "A's does" bash -c "\"$VIGIE\" export --for A --format plain --include-warninglisted | grep -q hidden.bit.ly"
check "A's default export does not" bash -c "! \"$VIGIE\" export --for A --format plain | grep -q hidden.bit.ly"

# the server: the same answers, and lists loaded while it runs are used
kC=$("$VIGIE" key create --org C --scopes read --json | jq -r .secret)
kA=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add Feed --read community --write org:A --json | jq -r .id)
start_server
U=http://127.0.0.1:$PORT/api/v1/lookup
eq "GET answers as the CLI" "$("$VIGIE" lookup --for C x.sub.bit.ly)" \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=x.sub.bit.ly")"
eq "GET: hidden = never reported" "$("$VIGIE" lookup --for C never.bit.ly | strip)" \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=hidden.bit.ly" | strip)"
printf 'hidden.bit.ly\nnever.bit.ly\n' >"$TMP/batch"
curl -s -H "Authorization: Bearer $kC" --data-binary "@$TMP/batch" "$U" >"$TMP/answers"
eq "POST: hidden = never reported" "$(sed -n 2p "$TMP/answers" | strip)" "$(sed -n 1p "$TMP/answers" | strip)"
eq "POST: the lists are named" true "$(sed -n 1p "$TMP/answers" | jq --arg n "$SHORT" '.warninglists | index($n) != null')"
# a long batch of listed and unlisted values, hits and misses: the lists
# named in the streamed answers exactly as the CLI names them
{
  printf '%s\n' hidden.bit.ly never.bit.ly x.sub.bit.ly WWW.Google.COM. 10.1.2.3 192.168.7.7 \
    172.16.0.1 ::ffff:192.168.1.1 'http://bit.ly/x' 'hxxps://www.google[.]com/"a\b' 8.8.8.8 \
    2001:4860:4860::8888 totally-bad-host.cn evil-c2-domain.example.net 192.168.0.0/24 1.2.3
  seq 1 1200 | awk '{ printf "192.168.%d.%d\nh%d.bit.ly\nmiss%d.example.net\n", int($1 / 250), $1 % 250, $1, $1 }'
} >"$TMP/mixed"
for k in "$kC" "$kA"; do
  who=$([ "$k" = "$kC" ] && echo C || echo A)
  curl -s -H "Authorization: Bearer $k" --data-binary "@$TMP/mixed" "$U" >"$TMP/mixed.post"
  "$VIGIE" lookup --for $who - <"$TMP/mixed" >"$TMP/mixed.cli"
  check "a long batch with listed values as $who: the CLI's answers, byte for byte" \
    cmp "$TMP/mixed.cli" "$TMP/mixed.post"
done
"$VIGIE" warninglist load "$TMP/wl/ours" >/dev/null
eq "a list loaded while the server runs is used at once" true \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=totally-bad-host.cn" | jq '.warninglists | index("Ours") != null')"
# a value POSTed over TAXII is flagged as it is stored (the server's write path)
T="application/taxii+json;version=2.1"
ind='{"type":"indicator","spec_version":"2.1","id":"indicator--5e0b1c1e-7a47-4a4e-9d31-1f2d3c4b5a70","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = '"'"'posted.bit.ly'"'"'] OR [domain-name:value = '"'"'posted-c2.example.net'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}'
eq "POST over TAXII: accepted" 202 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kA" \
  -H "Content-Type: $T" -H "Accept: $T" --data-binary "{\"objects\":[$ind]}" \
  "http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/")"
eq "the POSTed listed value is flagged, the other is not" "posted-c2.example.net" \
  "$("$VIGIE" export --for C --format plain | grep posted)"
eq "both with --include-warninglisted" "posted-c2.example.net posted.bit.ly" \
  "$("$VIGIE" export --for C --format plain --include-warninglisted | grep posted | sort | xargs)"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
check "the hub passes its integrity check" "$VIGIE" check
finish
