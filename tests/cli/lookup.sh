#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Look-up: a table of tricky spellings (IPv6 forms, IPv4-mapped IPv6, ranges,
# subdomains, trailing dots, upper case, punycode, defanged input, near
# misses), and the sharing rules: two partners reporting the same value at
# different TLPs, a value only a RED report knows (identical to one never
# reported), corroboration counting only what the requester may see; the
# same answers from the CLI, GET and the streamed POST.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
"$VIGIE" init --name op >/dev/null
for o in A B C; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
printf '%s\n' evil.com 198.51.100.7 10.0.0.0/8 2001:db8::/32 2001:db8:ffff::5 \
  'http://phish.example.org/login' bücher.de 44d88612fea8a8f36de82e1278abb02f >"$TMP/a.txt"
"$VIGIE" import --as A --tlp clear "$TMP/a.txt" >/dev/null
echo evil.com | "$VIGIE" import --as B --tlp amber --group g - >/dev/null 2>&1 ||
  { echo evil.com >"$TMP/b.txt"; "$VIGIE" import --as B --tlp amber --group g "$TMP/b.txt" >/dev/null; }
echo secret-c2.net >"$TMP/red.txt"
"$VIGIE" import --as B --tlp red "$TMP/red.txt" >/dev/null

rule() { "$VIGIE" lookup --for C "$1" | jq -r '[.matches[]? | "\(.rule) \(.indicator.value)"] | join(";")'; }
t() { eq "$1 -> $3" "$3" "$(rule "$2")"; }
t "exact domain" evil.com "exact evil.com"
t "subdomain, upper case, trailing dot" A.B.EVIL.com. "subdomain evil.com"
t "not a parent: a longer name" evil.com.example.org ""
t "not a suffix: notevil.com" notevil.com ""
t "defanged" 'evil[.]com' "exact evil.com"
t "defanged URL: its host" 'hxxp://www[.]evil[.]com/x' "subdomain evil.com"
t "URL exactly" 'HTTP://Phish.Example.org:80/login' "exact http://phish.example.org/login"
t "URL host" 'http://EVIL.com:8080/other' "url-host evil.com"
t "URL of an unreported host" 'http://phish.example.org/other' ""
t "address exactly" 198.51.100.7 "exact 198.51.100.7"
t "near miss 198.51.100.70" 198.51.100.70 ""
t "inside an IPv4 range" 10.200.3.4 "in-range 10.0.0.0/8"
t "IPv4-mapped IPv6" ::ffff:198.51.100.7 "exact 198.51.100.7"
t "IPv6 long form" 2001:0db8:ffff:0000:0000:0000:0000:0005 "exact 2001:db8:ffff::5;in-range 2001:db8::/32"
t "IPv6 upper case" 2001:DB8:FFFF::5 "exact 2001:db8:ffff::5;in-range 2001:db8::/32"
t "IDN to punycode" BÜCHER.de "exact xn--bcher-kva.de"
t "punycode as given" xn--bcher-kva.de "exact xn--bcher-kva.de"
t "hash, upper case" 44D88612FEA8A8F36DE82E1278ABB02F "exact 44d88612fea8a8f36de82e1278abb02f"
eq "a version number is no value" true "$("$VIGIE" lookup 1.2.3 | jq 'has("error")')"

# sharing: A (CLEAR) and B (AMBER, group g) report evil.com
cor() { "$VIGIE" lookup --for "$1" "$2" | jq -c '[.corroboration, ([.matches[]?.contributions[]?.organisation] | sort)]'; }
eq "C (outsider) sees A's report only" '[1,["A"]]' "$(cor C evil.com)"
eq "A (in the group) sees both" '[2,["A","B"]]' "$(cor A evil.com)"
eq "B sees both" '[2,["A","B"]]' "$(cor B evil.com)"
eq "the RED report: its contributor sees it" '[1,["B"]]' "$(cor B secret-c2.net)"
strip() { jq -c 'del(.query, .value)'; }
eq "for anyone else it is exactly a value never reported" \
  "$("$VIGIE" lookup --for C never-reported.net | strip)" "$("$VIGIE" lookup --for C secret-c2.net | strip)"
check "the score does not count hidden reports" \
  test "$("$VIGIE" lookup --for C evil.com | jq .score)" -lt "$("$VIGIE" lookup --for A evil.com | jq .score)"

# many values from standard input go through the in-memory value set: the
# same answers as one look-up at a time straight from the store
printf '%s\n' evil.com A.B.EVIL.com. evil.com.example.org 'evil[.]com' 198.51.100.7 10.200.3.4 \
  ::ffff:10.9.9.9 2001:db8:0:0:0:0:0:1 2001:DB8::5 2001:db9::1 'hxxp://phish[.]example[.]org/login' \
  phish.example.org xn--bcher-kva.de secret-c2.net 44D88612FEA8A8F36DE82E1278ABB02F 10.0.0.0/8 \
  10.0.0.0/7 >"$TMP/tricky"
for who in A C; do
  eq "values on stdin (in-memory set) answer as one at a time, for $who" \
    "$(xargs -d '\n' "$VIGIE" lookup --for $who <"$TMP/tricky")" "$("$VIGIE" lookup --for $who - <"$TMP/tricky")"
done

# the score: confidence, decay with a half-life per kind since the report,
# expiry (marked, weighed a quarter, never hidden), organisations as
# independent witnesses; a value reported many times lists 100 contributions
# and counts them all.  In a hub of its own, backdated with sqlite3.
(
  export VIGIE_HUB=$TMP/score
  checks=0 fails=0
  "$VIGIE" init --name op >/dev/null
  for o in A B; do "$VIGIE" org add $o --kind vendor >/dev/null; done
  printf 'value,confidence,first_seen,label\nold-c2.net,80,%s,qakbot\nfresh-c2.net,80,,\n' \
    "$(date -u -d '-90 days' +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/s1.csv"
  "$VIGIE" import --as A --tlp clear "$TMP/s1.csv" >/dev/null 2>&1
  sqlite3 "$VIGIE_HUB/vigie.db" "UPDATE object SET date_added_us = date_added_us - 90 * 86400000000 WHERE json LIKE '%old-c2.net%'"
  eq "score: confidence 80, just reported" 80 "$("$VIGIE" lookup fresh-c2.net | jq .score)"
  eq "score: reported 90 days ago, halved (domains: 90 days)" 40 "$("$VIGIE" lookup old-c2.net | jq .score)"
  eq "score: --half-life domain=30 makes it an eighth" 10 "$("$VIGIE" lookup --half-life domain=30 old-c2.net | jq .score)"
  eq "labels: the malware family" qakbot "$("$VIGIE" lookup old-c2.net | jq -r '.labels | join(",")')"
  check "--half-life of an unknown kind: usage error" bash -c "! '$VIGIE' lookup --half-life car=3 x.com 2>/dev/null"
  printf 'value,confidence\nfresh-c2.net,80\n' >"$TMP/s2.csv"
  "$VIGIE" import --as B --tlp clear "$TMP/s2.csv" >/dev/null 2>&1
  eq "score: two organisations at 0.8 each: 1 - 0.2 x 0.2" "96 2" "$("$VIGIE" lookup fresh-c2.net | jq -r '"\(.score) \(.corroboration)"')"
  eq "score: a subdomain match weighs 0.8 (1 - 0.36 x 0.36)" 87 "$("$VIGIE" lookup www.fresh-c2.net | jq .score)"
  yesterday=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
  printf 'value,confidence,first_seen,last_seen\ngone-c2.net,80,%s,%s\n' "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)" "$yesterday" >"$TMP/s3.csv"
  "$VIGIE" import --as A --tlp clear "$TMP/s3.csv" >/dev/null 2>&1
  eq "past valid_until: listed, marked expired, weighed a quarter" "true 20" \
    "$("$VIGIE" lookup gone-c2.net | jq -r '"\(.matches[0].contributions[0].expired) \(.score)"')"
  seq 1 150 | awk '{ printf "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-8000-%012d\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"pattern\":\"[domain-name:value = '"'"'busy-c2.net'"'"']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"}", (NR > 1 ? "," : ""), $1 }' |
    { printf '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":['; cat; printf ']}'; } >"$TMP/busy.json"
  "$VIGIE" import --as A --tlp clear "$TMP/busy.json" >/dev/null 2>&1
  eq "reported 150 times: 100 listed, 150 counted, one organisation" "100 150 1" \
    "$("$VIGIE" lookup busy-c2.net | jq -r '"\(.matches[0].contributions | length) \(.matches[0].contributions_total) \(.corroboration)"')"
  echo "checks=$checks fails=$fails" >"$TMP/score.counts"
)
eval "$(sed 's/^checks=\([0-9]*\) fails=\([0-9]*\)$/checks=$((checks + \1)); fails=$((fails + \2))/' "$TMP/score.counts")"
# a queried range lists the reported addresses and networks inside it (rule
# "contains"), as the requester may see them, without counting them as
# reports about the range
echo 198.51.100.9 >"$TMP/red2.txt"
"$VIGIE" import --as B --tlp red "$TMP/red2.txt" >/dev/null
echo 192.0.2.0/28 >"$TMP/net.txt"
"$VIGIE" import --as A --tlp clear "$TMP/net.txt" >/dev/null
contains() { "$VIGIE" lookup --for "$1" "$2" | jq -r '[.matches[]? | select(.rule == "contains") | .indicator.value] | join(",")'; }
eq "range: the addresses inside it that C may see" 198.51.100.7 "$(contains C 198.51.100.0/24)"
eq "range: B also sees its own RED one" 198.51.100.7,198.51.100.9 "$(contains B 198.51.100.0/24)"
eq "range: not a report about the range" "0 0" "$("$VIGIE" lookup --for C 198.51.100.0/24 | jq -r '"\(.corroboration) \(.score)"')"
eq "range: a narrower network inside" 192.0.2.0/28 "$(contains C 192.0.2.0/24)"
eq "range: IPv6" 2001:db8:ffff::5 "$(contains C 2001:db8:ffff::/112)"
eq "range: from stdin too" 198.51.100.7 "$(echo 198.51.100.0/24 | "$VIGIE" lookup --for C - | jq -r '[.matches[]? | select(.rule == "contains") | .indicator.value] | join(",")')"
eq "range too wide to list: said so" "not listed: range too wide" "$("$VIGIE" lookup --for C 10.0.0.0/8 | jq -r .contents)"
# a contributor may be shown to other partners under a pseudonym; itself and
# the operator see its name
"$VIGIE" org pseudonym B Partner-7 >/dev/null
names() { "$VIGIE" lookup --for "$1" evil.com | jq -r '[.matches[0].contributions[].organisation] | sort | join(",")'; }
eq "pseudonym: another partner sees it" A,Partner-7 "$(names A)"
eq "pseudonym: the contributor sees its name" A,B "$(names B)"
echo b-clear.net >"$TMP/bclear.txt"
"$VIGIE" import --as B --tlp clear "$TMP/bclear.txt" >/dev/null
eq "pseudonym: the operator sees the name" B \
  "$("$VIGIE" lookup --for op b-clear.net | jq -r '.matches[0].contributions[0].organisation')"
eq "pseudonym: ... and C the pseudonym" Partner-7 \
  "$("$VIGIE" lookup --for C b-clear.net | jq -r '.matches[0].contributions[0].organisation')"
check "pseudonym: in another partner's CSV export too" bash -c "'$VIGIE' export --for C --format csv | grep '^b-clear.net,' | grep -q ',Partner-7,'"
check "pseudonym: not in the operator's" bash -c "'$VIGIE' export --for op --format csv | grep '^b-clear.net,' | grep -q ',B,'"
check "pseudonym: another partner's name is refused" bash -c "! '$VIGIE' org pseudonym B A 2>/dev/null"
"$VIGIE" org pseudonym B --off >/dev/null
eq "pseudonym --off: the name again" A,B "$(names A)"
"$VIGIE" org pseudonym B Partner-7 >/dev/null
printf '{"lookup": {"half_life_days": {"car": 3}}}' >"$TMP/badconf.json"
check "serve refuses a half-life for an unknown kind" bash -c "! '$VIGIE' serve --listen 127.0.0.1:0 --config '$TMP/badconf.json' >/dev/null 2>&1"

# the server: GET, POST (streamed), same answers as the CLI, same policy
kC=$("$VIGIE" key create --org C --scopes read --json | jq -r .secret)
kA=$("$VIGIE" key create --org A --scopes read,write --json | jq -r .secret)
cid=$("$VIGIE" collection add Feed --read community --write org:A --json | jq -r .id)
start_server
U=http://127.0.0.1:$PORT/api/v1/lookup
eq "GET answers as the CLI" "$("$VIGIE" lookup --for C x.evil.com)" \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=x.evil.com")"
eq "GET of a hidden value: as never reported" "$("$VIGIE" lookup --for C never-reported.net | strip)" \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=secret-c2.net" | strip)"
eq "GET of no value: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kC" "$U?value=1.2.3")"
eq "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U?value=evil.com")"
printf 'evil.com\n1.2.3\nsecret-c2.net\n10.1.1.1\n' >"$TMP/batch"
curl -s -H "Authorization: Bearer $kC" --data-binary "@$TMP/batch" "$U" >"$TMP/answers"
eq "POST: one answer per value, in order" "evil.com 1.2.3 secret-c2.net 10.1.1.1" \
  "$(jq -r .query "$TMP/answers" | xargs)"
eq "POST: same policy" "1 null 0 1" "$(jq -r .corroboration "$TMP/answers" | xargs)"
seq 1 100001 | sed 's/^/10.0.0./' >"$TMP/big"
eq "POST of more than 100,000 values: 413" 413 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kC" --data-binary "@$TMP/big" "$U")"
seq 1 2000 | awk '{ printf "198.51.%d.%d\n", int($1 / 250), $1 % 250 }' >"$TMP/many"
eq "POST of 2,000 values: 2,000 answers" 2000 \
  "$(curl -s -H "Authorization: Bearer $kC" --data-binary "@$TMP/many" "$U" | wc -l)"
eq "vigie lookup --server: the hub's answers, as the key's organisation" \
  "$("$VIGIE" lookup --for C - <"$TMP/tricky")" \
  "$(VIGIE_KEY=$kC "$VIGIE" lookup --server "http://127.0.0.1:$PORT/" - <"$TMP/tricky")"
# a long batch, answered in slices (by several threads), misses written
# without a JSON document: byte for byte the CLI's answers, in order, for
# every requester (hidden, RED, pseudonymous reports, escapes in queries)
{
  cat "$TMP/tricky"
  printf '%s\n' 'http://evil.com/a"b\c' 'HXXP://EVIL[.]COM/ü?x="y"' 'http://nowhere.example/"q"\' \
    'bücher.de' 'BÜCHER.DE.' 'never-reported.net' b-clear.net 1.2.3 'not a value' \
    'http://198.51.100.7/x' 'http://[2001:db8:ffff::5]/' 'a@evil.com' 198.51.100.9 192.0.2.3 \
    '2001:db8::/48' 198.51.100.0/24 "$(printf 'evil.com\t')" "$(printf ' \tmiss.example.org')"
  seq 1 1500 | awk '{ printf "%s\n%s\n", ($1 % 3 ? "10.7." int($1 / 250) "." ($1 % 250) : "198.51.100." ($1 % 12)), "h" $1 ".miss-" ($1 % 5) ".example.net" }'
} >"$TMP/mixed"
for who in A B C op; do
  k=$("$VIGIE" key create --org $who --scopes read --json | jq -r .secret)
  curl -s -H "Authorization: Bearer $k" --data-binary "@$TMP/mixed" "$U" >"$TMP/mixed.post"
  "$VIGIE" lookup --for $who - <"$TMP/mixed" >"$TMP/mixed.cli"
  check "a long batch ($(wc -l <"$TMP/mixed") values) as $who: the CLI's answers, byte for byte" \
    cmp "$TMP/mixed.cli" "$TMP/mixed.post"
done
eq "POST: CRLF lines, blank lines, a last line without its break" "evil.com 198.51.100.7" \
  "$(printf 'evil.com\r\n\n\r\n198.51.100.7' | curl -s -H "Authorization: Bearer $kC" --data-binary @- "$U" | jq -r .value | xargs)"
eq "POST of nothing: no answer" 0 \
  "$(printf '' | curl -s -H "Authorization: Bearer $kC" --data-binary @- "$U" | wc -c)"
eq "pseudonym over HTTP too" A,Partner-7 \
  "$(curl -s -H "Authorization: Bearer $kA" "$U?value=evil.com" | jq -r '[.matches[0].contributions[].organisation] | sort | join(",")')"
eq "vigie lookup --server with values as arguments" "$("$VIGIE" lookup --for C evil.com 10.1.1.1)" \
  "$("$VIGIE" lookup --server "http://127.0.0.1:$PORT" --key "$kC" evil.com 10.1.1.1)"
"$VIGIE" lookup --server "http://127.0.0.1:$PORT" --key nope.nope evil.com >/dev/null 2>"$TMP/e" && st=0 || st=$?
eq "vigie lookup --server with a bad key: exit 1" 1 "$st"
check "... saying why" grep -q "answered 401" "$TMP/e"

# what arrives is found at once: an object POSTed to this server is in the
# next look-up; one imported by another process beside it within a moment
T="application/taxii+json;version=2.1"
ind='{"type":"indicator","spec_version":"2.1","id":"indicator--5e0b1c1e-7a47-4a4e-9d31-1f2d3c4b5a69","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = '"'"'fresh-c2.org'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}'
eq "POST over TAXII: accepted" 202 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kA" \
  -H "Content-Type: $T" -H "Accept: $T" --data-binary "{\"objects\":[$ind]}" \
  "http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/")"
eq "... and in the very next look-up" "subdomain fresh-c2.org" \
  "$(curl -s -H "Authorization: Bearer $kC" "$U?value=www.fresh-c2.org" | jq -r '.matches[0] | "\(.rule) \(.indicator.value)"')"
echo 203.0.113.0/24 >"$TMP/later.txt"
"$VIGIE" import --as A --tlp clear "$TMP/later.txt" >/dev/null
for _ in $(seq 1 50); do
  r=$(curl -s -H "Authorization: Bearer $kC" "$U?value=203.0.113.77" | jq -r '[.matches[]?.rule] | join(",")')
  [ "$r" = in-range ] && break
  sleep 0.1
done
eq "a range imported beside the running server: found" in-range "$r"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
