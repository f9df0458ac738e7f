#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Maltrail's malware trails imported as plain lists (the family from the file
# name), then exported back per kind and compared, value by value, with an
# independent normalisation written here in awk.  The release build takes
# every file (1.5M lines); sanitizer builds (VG_SANITIZED=ON) every 25th, to
# stay fast.  Exceptions are explained, not tolerated: the only input values
# not exported are regular expressions, file names, names under top-level
# domains that are not in use, labels longer than DNS allows, names IDNA
# refuses (checked with the idn2 tool), bad ports and URL paths without a
# host, and every rejection is reported.
source "$(dirname "$0")/lib/common.bash"
M=$SHARED/maltrail/trails/static/malware
[ -d "$M" ] || skip_all "$M not found (../shared/data is absent)"
if [ "${VG_SANITIZED:-OFF}" = ON ]; then
  mapfile -t FILES < <(ls "$M"/*.txt | awk 'NR % 25 == 1')
else
  mapfile -t FILES < <(ls "$M"/*.txt)
fi

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add maltrail --kind vendor >/dev/null
r=$("$VIGIE" import --as maltrail --tlp clear --json "${FILES[@]}" || true)
echo "import of ${#FILES[@]} files: $(jq -c '{accepted, duplicates, rejected, seconds}' <<<"$r")"

# Independent normalisation: comments and blanks out; bare addresses lose
# their port; IPv6 apart; URLs get http:// when they have no scheme, a
# lower-case scheme and host, no default port, "/" for an empty path and no
# fragment; everything else is a lower-case domain without its port.
grep -hv '^[[:space:]]*#' "${FILES[@]}" | sed 's/[[:space:]]*#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' |
  grep -v '^$' | awk '
  { v = $0 }
  v ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(:[0-9]+)?$/ {
    p = v; sub(/^[^:]*:?/, "", p)
    if (p != "" && (p + 0 < 1 || p + 0 > 65535)) { print "bad\t" v; next }
    sub(/:[0-9]+$/, "", v); print "ipv4\t" v; next }
  v ~ /^[0-9.]+(:[0-9]*)+$/ { print "bad\t" v; next }
  v ~ /^\[/ || v ~ /::/ { print "ipv6\t" v; next }
  v ~ /^\// { print "path\t" v; next }
  v ~ /\// {
    if (v !~ /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//) v = "http://" v
    i = index(v, "://"); scheme = tolower(substr(v, 1, i - 1)); rest = substr(v, i + 3)
    sub(/#.*/, "", rest)
    j = match(rest, /[\/?]/); host = j ? substr(rest, 1, j - 1) : rest; tail = j ? substr(rest, j) : ""
    host = tolower(host)
    if ((scheme == "http" && host ~ /:80$/) || (scheme == "https" && host ~ /:443$/)) sub(/:[0-9]+$/, "", host)
    if (tail !~ /^\//) tail = "/" tail
    print "url\t" scheme "://" host tail; next }
  { d = tolower(v); sub(/:[0-9]+$/, "", d); sub(/\.$/, "", d); print "domain\t" d }' |
  sort -u >"$TMP/expected.tsv"

for kind in ipv4 url domain; do
  "$VIGIE" export --for maltrail --format plain --kind "$kind" | sort -u >"$TMP/got-$kind.txt"
  awk -F'\t' -v k="$kind" '$1 == k { print $2 }' "$TMP/expected.tsv" | sort -u >"$TMP/want-$kind.txt"
  echo "$kind: $(wc -l <"$TMP/want-$kind.txt") distinct input values, $(wc -l <"$TMP/got-$kind.txt") exported"
  extra=$(comm -13 "$TMP/want-$kind.txt" "$TMP/got-$kind.txt")
  eq "$kind: every exported value is an input value" "" "$(head -3 <<<"$extra")"
  # Input values that did not come back must each be a rejection the import
  # reported: a regular expression, a file name, a bad address or port.
  comm -23 "$TMP/want-$kind.txt" "$TMP/got-$kind.txt" >"$TMP/missing-$kind.txt"
  echo "$kind: $(wc -l <"$TMP/missing-$kind.txt") input values not taken"
  head -3 "$TMP/missing-$kind.txt" | sed 's/^/    not taken: /'
done
# Top-level domains in use, from the public suffix list (independent of vigie's
# libpsl lookup): a name whose last label is not one is fairly refused.
PSL=/usr/share/publicsuffix/public_suffix_list.dat
grep -v '^//' "$PSL" | grep -v '^$' | grep -v '[.*!]' | sort -u >"$TMP/tlds.txt"
unexplained() { # values whose refusal no rule here explains
  grep -v '[][{}\\|()*+?^$ ]' | grep -v '\.exe$' | awk -F/ -v tl="$TMP/tlds.txt" '
    BEGIN { while ((getline t < tl) > 0) tld[t] = 1 }
    { h = ($0 ~ /:\/\//) ? $3 : $1; sub(/:[0-9]*$/, "", h); n = split(h, l, ".")
      if (h ~ /:[0-9]{6,}$/ || !(tolower(l[n]) in tld)) next
      for (i = 1; i <= n; i++) if (length(l[i]) > 63) next  # longer than DNS allows
      print }' |
    while IFS= read -r v; do
      # Non-ASCII names: refused by IDNA 2008 as the idn2 tool applies it.
      if LC_ALL=C grep -q '[^ -~]' <<<"$v" && ! idn2 -- "$v" >/dev/null 2>&1; then continue; fi
      printf '%s\n' "$v"
    done
}
eq "ipv4: the same values" 0 "$(wc -l <"$TMP/missing-ipv4.txt")"
eq "domains not taken are only patterns, file names or unknown TLDs" "" "$(unexplained <"$TMP/missing-domain.txt" | head -5)"
eq "urls not taken are only patterns or hosts under unknown TLDs" "" "$(unexplained <"$TMP/missing-url.txt" | head -5)"
check "every rejection is reported" test "$(jq .rejected <<<"$r")" = "$(jq .errors_total <<<"$r")"
check "something was rejected and reported with a line" test "$(jq '.errors[0].line' <<<"$r")" -gt 0
finish
