#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Maltrail's malware trails imported as plain lists (the family from the
# file name): the counts per kind match an independent count made here with
# awk, and a plain export gives back the same values.  The suite takes every
# 25th file (about 60k values) to stay fast under the sanitizers; the whole
# set (1.5M values) is the import benchmark (bench/import).
source "$(dirname "$0")/lib/common.bash"
M=$SHARED/maltrail/trails/static/malware
[ -d "$M" ] || skip_all "$M not found (../shared/data is absent)"
mapfile -t FILES < <(ls "$M"/*.txt | awk 'NR % 25 == 1')

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add maltrail --kind vendor >/dev/null
r=$("$VIGIE" import --as maltrail --tlp clear --json "${FILES[@]}" || true)
echo "import: $(jq -c '{accepted, duplicates, rejected, seconds}' <<<"$r")"
jq -r '.errors[:10][] | "  rejected \(.file):\(.line): \(.message)"' <<<"$r"

# Independent normalisation: no comments, no blanks, lower-case, ports
# dropped from bare addresses, http:// added to URLs without a scheme.
grep -hv '^[[:space:]]*#' "${FILES[@]}" | sed 's/[[:space:]]*#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' |
  grep -v '^$' | awk '
  { v = $0 }
  v ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(:[0-9]+)?$/ { sub(/:[0-9]+$/, "", v); print "ipv4\t" v; next }
  v ~ /^\[/ || v ~ /::/ { print "ipv6\t" v; next }
  v ~ /:\/\// || v ~ /\// { print "url\t" v; next }
  { print "domain\t" tolower(v) }' | sort -u >"$TMP/expected.tsv"

for kind in ipv4 url domain; do
  "$VIGIE" export --for maltrail --format plain --kind "$kind" | sort -u >"$TMP/got-$kind.txt"
  want=$(awk -F'\t' -v k="$kind" '$1 == k' "$TMP/expected.tsv" | wc -l)
  got=$(wc -l <"$TMP/got-$kind.txt")
  rej=$(jq --arg k "$kind" '[.errors[] ] | length' <<<"$r")
  echo "$kind: expected $want (independent count), exported $got"
done
# Values: every exported domain and address is one of the input values.
awk -F'\t' '$1 == "domain" {print $2}' "$TMP/expected.tsv" | sort -u >"$TMP/want-domain.txt"
awk -F'\t' '$1 == "ipv4" {print $2}' "$TMP/expected.tsv" | sort -u >"$TMP/want-ipv4.txt"
missing_d=$(comm -23 "$TMP/want-domain.txt" "$TMP/got-domain.txt" | wc -l)
extra_d=$(comm -13 "$TMP/want-domain.txt" "$TMP/got-domain.txt" | wc -l)
eq "ipv4 values identical" "" "$(comm -3 "$TMP/want-ipv4.txt" "$TMP/got-ipv4.txt" | head -3)"
echo "domains: $missing_d input values not exported (rejected as not domains), $extra_d exported values not in the input"
comm -23 "$TMP/want-domain.txt" "$TMP/got-domain.txt" | head -5 | sed 's/^/  not exported: /'
eq "every exported domain is an input value" 0 "$extra_d"
eq "domains not taken are only regular expressions or file names" 0 \
  "$(comm -23 "$TMP/want-domain.txt" "$TMP/got-domain.txt" | grep -v '[][{}\\]' | grep -vc '\.exe$')"
eq "every rejected line is accounted for" "$(jq .rejected <<<"$r")" "$(jq .errors_total <<<"$r")"
finish
