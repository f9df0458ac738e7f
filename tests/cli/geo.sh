#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Enrichment, jurisdictions and reports with the real MMDB files
# (docs/geo.md): maltrail's C2 addresses located by `vigie enrich` and
# checked against mmdblookup (libmaxminddb's own tool, independent of
# Vigie's code); then the policy path by path - two partners, a hidden
# object located in FR - through the report (JSON and HTML), look-up, every
# export, TAXII's match[x_vigie_jurisdiction] and the stream's
# jurisdiction=: what B may not see answers exactly as what never existed.
# Skipped with a message when the databases (scripts/setup) or the shared
# data are absent.
source "$(dirname "$0")/lib/common.bash"
GEO=${VIGIE_GEO_DIR:-/usr/local/share/vigie/geo}
M=$SHARED/maltrail/trails/static/malware
[ -r "$GEO/country.mmdb" ] && [ -r "$GEO/asn.mmdb" ] ||
  skip_all "no MMDB files in $GEO (scripts/setup installs them)"
[ -d "$M" ] || skip_all "$M not found (../shared/data is absent)"
command -v mmdblookup >/dev/null || skip_all "mmdblookup not installed (scripts/setup)"
command -v curl >/dev/null || skip_all "curl not installed"

cc_of() { mmdblookup --file "$GEO/country.mmdb" --ip "$1" country_code 2>/dev/null | sed -n 's/.*"\(..\)".*/\1/p'; }
asn_of() { mmdblookup --file "$GEO/asn.mmdb" --ip "$1" autonomous_system_number 2>/dev/null | awk '/uint32/ {print $1}'; }
noise() { jq -S 'del(.generated, .since)' "$@"; }

"$VIGIE" init --name op >/dev/null
for o in A B; do "$VIGIE" org add $o --kind vendor >/dev/null; done
"$VIGIE" group add g >/dev/null
"$VIGIE" group members g --add A >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes read,write --json | jq -r .secret; }
kA=$(key A) kB=$(key B)
"$VIGIE" collection add feed --read community --write org:A >/dev/null
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" || true; }

# --- enrichment, checked against mmdblookup
imp() { "$VIGIE" import "$@" >/dev/null 2>&1 || [ $? -eq 3 ]; } # 3: some lines rejected
imp --as A --tlp clear --collection feed "$M/remcos.txt"
# a hostile label on a visible address
first_fr=""
for ip in $(grep -oE '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$M/asyncrat.txt" | awk '!seen[$0]++' | head -400); do
  [ "$(cc_of "$ip")" = FR ] && { if [ -z "$first_fr" ]; then first_fr=$ip; else echo "$ip"; fi; }
done >"$TMP/hidden.txt"
[ -n "$first_fr" ] && [ -s "$TMP/hidden.txt" ] || { not_ok "FR addresses found in asyncrat.txt"; finish; }
printf 'value,kind,label\n%s,ipv4,"<script>alert(1)</script>&amp;"\n' "$first_fr" >"$TMP/hostile.csv"
"$VIGIE" import --as A --tlp clear --collection feed "$TMP/hostile.csv" >/dev/null
r=$("$VIGIE" enrich --country-db "$GEO/country.mmdb" --asn-db "$GEO/asn.mmdb" --json)
check "enrich looks at every observable" test "$(jq .examined <<<"$r")" -gt 1000
eq "a second run with the same databases has nothing to do" 0 "$("$VIGIE" enrich --json | jq .examined)"
"$VIGIE" export --format csv >"$TMP/all.csv"
bad=0 n=0
while IFS=, read -r v k _ _ _ _ _ _ _ cc asn _; do
  [ "$k" = ipv4 ] || continue
  n=$((n + 1))
  [ "$cc" = "$(cc_of "$v")" ] && [ "$asn" = "$(asn_of "$v")" ] || { bad=$((bad + 1)); echo "# $v: $cc/$asn"; }
done < <(tail -n +2 "$TMP/all.csv" | awk 'NR % 40 == 1')
eq "country and AS of $n sampled addresses agree with mmdblookup" 0 "$bad"
eq "exports carry the location columns" country,asn,as_name "$(head -1 "$TMP/all.csv" | cut -d, -f10-)"

# --- B's view before the hidden object exists
"$VIGIE" report --jurisdiction FR --for B >"$TMP/b_before.json"
"$VIGIE" export --for B --format plain --jurisdiction FR >"$TMP/b_plain_before"
"$VIGIE" export --for B --format stix --jurisdiction FR | jq -S '.objects' >"$TMP/b_stix_before"
nfr=$(awk -F, '$10 == "FR"' "$TMP/all.csv" | cut -d, -f1 | sort -u | wc -l)
eq "the FR report counts what the FR export lists" "$nfr" "$(jq .totals.observables "$TMP/b_before.json")"
eq "... and the plain export agrees" "$nfr" "$(wc -l <"$TMP/b_plain_before")"
check "every listed observable is in FR" bash -c "jq -e '[.observables[].country] | unique == [\"FR\"]' '$TMP/b_before.json' >/dev/null"
hid=$(head -1 "$TMP/hidden.txt")
never=192.0.2.77
"$VIGIE" lookup --for B "$never" | jq -S 'del(.query, .value)' >"$TMP/b_never"

# --- a hidden object located in FR (A's group only)
"$VIGIE" import --as A --tlp amber --group g --label hidden-family --collection feed "$TMP/hidden.txt" >/dev/null
"$VIGIE" enrich >/dev/null
"$VIGIE" report --jurisdiction FR --for B >"$TMP/b_after.json"
eq "B's FR report is unchanged by what it may not see" "$(noise "$TMP/b_before.json")" "$(noise "$TMP/b_after.json")"
"$VIGIE" report --jurisdiction FR --for A >"$TMP/a_after.json"
check "A's report has the hidden family" bash -c "jq -e '.by_label[] | select(.key == \"hidden-family\")' '$TMP/a_after.json' >/dev/null"
check "B's has not" bash -c "! grep -q hidden-family '$TMP/b_after.json'"
eq "B's plain FR export is unchanged" "$(cat "$TMP/b_plain_before")" "$("$VIGIE" export --for B --format plain --jurisdiction FR)"
eq "B's STIX FR export is unchanged" "$(cat "$TMP/b_stix_before")" "$("$VIGIE" export --for B --format stix --jurisdiction FR | jq -S .objects)"
check "A's FR export has the hidden addresses" bash -c "'$VIGIE' export --for A --format plain --jurisdiction FR | grep -qxF '$hid'"
eq "look-up of a hidden FR address: as for one never seen" "$(cat "$TMP/b_never")" \
  "$("$VIGIE" lookup --for B "$hid" | jq -S 'del(.query, .value)')"
eq "A's look-up shows where it is" FR "$("$VIGIE" lookup --for A "$hid" | jq -r .location.country)"

# --- jurisdictions declared, "mine", regions
check "an unknown code is refused, naming it" bash -c "! '$VIGIE' jurisdiction B FR,QQ 2>'$TMP/j.err' && grep -q \"'QQ'\" '$TMP/j.err'"
"$VIGIE" jurisdiction B FR >/dev/null
eq "report for 'mine' is the FR report" "$(noise "$TMP/b_after.json" | jq 'del(.jurisdiction)')" \
  "$("$VIGIE" report --jurisdiction mine --for B | noise | jq 'del(.jurisdiction)')"
check "the EU report includes FR" bash -c "test \$('$VIGIE' report --jurisdiction EU --for B | jq .totals.observables) -ge $nfr"

# --- the printable page
"$VIGIE" report --jurisdiction FR --for B --format html -o "$TMP/r.html" 2>/dev/null
check "HTML: the hostile label is escaped" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;' "$TMP/r.html"
check "HTML: no script, no external resource" bash -c "! grep -qiE '<script|src=|href=|@import|url\\(' '$TMP/r.html'"
check "HTML: print rules" grep -q '@media print' "$TMP/r.html"

# --- TAXII and the stream
start_server
U=http://127.0.0.1:$PORT
T="application/taxii+json;version=2.1"
cid=$(curl -s -H "Accept: $T" -H "Authorization: Bearer $kB" "$U/taxii2/root/collections/" | jq -r '.collections[0].id')
taxii() { # taxii KEY QUERY -> the ids of every page
  local next="" q
  while :; do
    q="$2${next:+&next=$next}"
    curl -sg -H "Accept: $T" -H "Authorization: Bearer $1" "$U/taxii2/root/collections/$cid/objects/?limit=500&$q" >"$TMP/page"
    jq -r '.objects[]?.id' "$TMP/page"
    [ "$(jq -r .more "$TMP/page")" = true ] || break
    next=$(jq -r .next "$TMP/page")
  done
}
taxii "$kB" "match[x_vigie_jurisdiction]=FR" | sort >"$TMP/t_b"
export_ids=$("$VIGIE" export --for B --format stix --jurisdiction FR | jq -r '.objects[].id' | sort)
eq "TAXII FR view for B = B's FR export" "$export_ids" "$(cat "$TMP/t_b")"
check "TAXII: more for A (the hidden object)" test "$(taxii "$kA" "match[x_vigie_jurisdiction]=FR" | wc -l)" -gt "$(wc -l <"$TMP/t_b")"
eq "TAXII: 'mine' for B is FR" "$(cat "$TMP/t_b")" "$(taxii "$kB" "match[x_vigie_jurisdiction]=mine" | sort)"
eq "TAXII: an unknown code is a 400" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $T" -H "Authorization: Bearer $kB" "$U/taxii2/root/collections/$cid/objects/?match%5Bx_vigie_jurisdiction%5D=QQ")"
nb=$(wc -l <"$TMP/t_b")
VIGIE_KEY=$kB timeout 30 "$VIGIE" follow "$U" --from 0 --jurisdiction FR --max-events "$nb" >"$TMP/s_b"
eq "stream FR view for B: the same objects" "$(cat "$TMP/t_b")" "$(jq -r .data.id "$TMP/s_b" | sort)"
check "stream: nothing hidden" bash -c "! grep -q hidden-family '$TMP/s_b'"
VIGIE_KEY=$kB timeout 30 "$VIGIE" follow "$U" --from 0 --jurisdiction FR --locations --max-events "$nb" >"$TMP/s_loc"
check "stream with locations: each FR event says where its observables are" bash -c \
  "jq -e -s 'length == $nb and all(.[]; any(.location[]; .country == \"FR\"))' '$TMP/s_loc' >/dev/null"
check "... and without locations=1, no location" bash -c "! jq -e 'has(\"location\")' '$TMP/s_b' | grep -q true"
stop_server

# --- serve refreshes at start, with databases from its configuration
echo 203.0.113.5 | "$VIGIE" import --as A --tlp clear - >/dev/null
printf '{"geo": {"country_db": "%s", "asn_db": "%s"}}' "$GEO/country.mmdb" "$GEO/asn.mmdb" >"$TMP/conf.json"
rm -f "$TMP/serve.out" # start_server must not read the first server's "listening" line
start_server --config "$TMP/conf.json"
stop_server
check "serve located the new observable at start" grep -q 'enrichment: 1 observables looked at' "$TMP/serve.log"
# ... and while it runs, every geo.refresh_s seconds
printf '{"geo": {"refresh_s": 1}}' >"$TMP/conf2.json"
rm -f "$TMP/serve.out"
start_server --config "$TMP/conf2.json"
echo 203.0.113.6 | "$VIGIE" import --as A --tlp clear - >/dev/null
for _ in $(seq 1 300); do grep -q 'enrichment: 1 observables looked at' "$TMP/serve.log" && break; sleep 0.1; done
stop_server
check "serve located an observable imported while it ran" grep -q 'enrichment: 1 observables looked at' "$TMP/serve.log"
printf '{"geo": {"country_db": "/nonexistent.mmdb"}}' >"$TMP/bad.json"
check "serve refuses a configured database that does not open" bash -c "! '$VIGIE' serve --config '$TMP/bad.json' --listen 127.0.0.1:0 2>'$TMP/bad.err' && grep -q nonexistent '$TMP/bad.err'"
printf '{"geo": {"refresh_s": -1}}' >"$TMP/bad2.json"
check "serve refuses a bad refresh period, naming it" bash -c "! '$VIGIE' serve --config '$TMP/bad2.json' --listen 127.0.0.1:0 2>'$TMP/bad2.err' && grep -q refresh_s '$TMP/bad2.err'"
finish
