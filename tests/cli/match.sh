#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vigie snapshot and vigie match through the real binary on a real hub:
#  - logs in ten formats (tests/cli/match_logs.py writes them and, from the
#    fields it put in each line, the hits an exact join gives): the scanner,
#    told nothing about the formats, must report exactly those hits;
#  - the same hits with one thread or several and tiny blocks, from gzip,
#    from standard input, and straight from the hub (--for) without a file;
#  - the sharing rules: AMBER+STRICT and RED never reach a snapshot, another
#    organisation's RED never reaches it either, corroboration counts orgs;
#  - a corrupted, truncated or foreign snapshot is refused with a clear error.
source "$(dirname "$0")/lib/common.bash"
command -v python3 >/dev/null || skip_all "python3 not found"

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add acme --kind vendor >/dev/null
"$VIGIE" org add cert --kind cert >/dev/null
"$VIGIE" org add other --kind vendor >/dev/null

D=$TMP/logs
mkdir -p "$D"
python3 "$SRC/tests/cli/match_logs.py" "$D"
"$VIGIE" import --as acme --tlp green --label testset "$D/indicators.txt" >/dev/null 2>&1
# A second organisation reports a few of the same values: corroboration 2.
head -5 "$D/indicators.txt" >"$TMP/cert.txt"
"$VIGIE" import --as cert --tlp clear "$TMP/cert.txt" >/dev/null 2>&1
# What never leaves in bulk, and what cert may not see at all.
printf 'strict.example.com\n' >"$TMP/strict.txt"
printf 'red.example.com\n' >"$TMP/red.txt"
printf 'otherred.example.com\n' >"$TMP/otherred.txt"
"$VIGIE" import --as cert --tlp amber+strict "$TMP/strict.txt" >/dev/null 2>&1
"$VIGIE" import --as cert --tlp red "$TMP/red.txt" >/dev/null 2>&1
"$VIGIE" import --as other --tlp red "$TMP/otherred.txt" >/dev/null 2>&1

nind=$(grep -c . "$D/indicators.txt")
r=$("$VIGIE" snapshot --for cert -o "$TMP/cert.snap" --json)
eq "snapshot holds every visible indicator, nothing else" "$nind" "$(jq .indicators <<<"$r")"
check "snapshot file written" test -s "$TMP/cert.snap"

fmts=(zeek-dns zeek-http zeek-conn zeek-json suricata-eve squid apache bind syslog csv)
hits() { jq -r '[.file, .line, .text, .indicator, .rule] | @tsv' | sed 's|^[^\t]*/||' | sort; }
expected() { awk -F'\t' -v f="$1.log" '$1 == f' "$D/expected.tsv" | sort; }
(cd "$D" && "$VIGIE" match --snapshot "$TMP/cert.snap" --threads 1 "${fmts[@]/%/.log}") \
  >"$TMP/all.jsonl" 2>"$TMP/err"
check "match exits 0" test $? -eq 0
for f in "${fmts[@]}"; do
  got=$(jq -c "select(.file == \"$f.log\")" "$TMP/all.jsonl" | hits)
  want=$(expected "$f")
  n=$(grep -c . <<<"$want" || true)
  if [ "$got" = "$want" ]; then
    ok "$f: $n hits, identical to the join of its fields"
  else
    not_ok "$f: hits differ from the join of its fields"
    diff <(echo "$want") <(echo "$got") | head -10
  fi
done
eq "no hit on a near miss" "" "$(jq -r 'select(.text | test("^1\\.2\\.3\\.45$|^not|example\\.org$"))' "$TMP/all.jsonl")"
eq "every hit has the documented fields" 0 \
  "$(jq -c 'select((has("file") and has("line") and has("offset") and has("text") and has("indicator") and has("kind") and has("rule") and (.context | has("label") and has("tlp") and has("orgs") and has("ref")))|not)' "$TMP/all.jsonl" | wc -l)"
# offsets point at the text in the file
bad=0
while IFS=$'\t' read -r file off text; do
  [ "$(tail -c +"$((off + 1))" "$D/$file" | head -c "${#text}")" = "$text" ] || bad=$((bad + 1))
done < <(jq -r '[.file, .offset, .text] | @tsv' "$TMP/all.jsonl" | awk 'NR % 37 == 1')
eq "byte offsets point at the matched text" 0 "$bad"
one=$(head -1 "$D/indicators.txt")
eq "corroboration: two organisations reported $one" 2 \
  "$(jq -r "select(.indicator == \"$one\") | .context.orgs" "$TMP/all.jsonl" | sort -u | head -1)"
eq "label and TLP travel with a hit" "testset green" \
  "$(jq -r 'select(.indicator == "mal7.org") | "\(.context.label) \(.context.tlp)"' "$TMP/all.jsonl" | sort -u | head -1)"
check "context names the claiming object" \
  bash -c "jq -r '.context.ref' '$TMP/all.jsonl' | head -1 | grep -Eq '^indicator--[0-9a-f-]{36}$'"

# Sharing: strict, red and someone else's red never reach cert's snapshot.
printf 'a strict.example.com\nb red.example.com\nc otherred.example.com\n' >"$TMP/secret.log"
eq "AMBER+STRICT and RED stay out of a snapshot" "" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" "$TMP/secret.log" 2>/dev/null)"
eq "... also when matching straight from the hub" "" \
  "$("$VIGIE" match --for cert "$TMP/secret.log" 2>/dev/null)"
eq "an outsider's snapshot (other) sees acme's GREEN" "$(wc -l <"$TMP/all.jsonl")" \
  "$("$VIGIE" snapshot --for other -o "$TMP/other.snap" >/dev/null 2>&1 &&
     cd "$D" && "$VIGIE" match --snapshot "$TMP/other.snap" "${fmts[@]/%/.log}" 2>/dev/null | wc -l)"

# Same hits whatever the threads, blocks, compression, input and index source.
cat "$D"/*.log >"$TMP/big.log"
"$VIGIE" match --snapshot "$TMP/cert.snap" --threads 1 "$TMP/big.log" 2>/dev/null >"$TMP/t1"
"$VIGIE" match --snapshot "$TMP/cert.snap" --threads 3 --block-size 1000 "$TMP/big.log" \
  2>/dev/null >"$TMP/t3"
check "3 threads, 1000-byte blocks: identical output" cmp -s "$TMP/t1" "$TMP/t3"
gzip -c "$TMP/big.log" >"$TMP/big.log.gz"
"$VIGIE" match --snapshot "$TMP/cert.snap" --threads 2 --block-size 4096 "$TMP/big.log.gz" \
  2>/dev/null | sed 's|"file":"[^"]*"|"file":"x"|' >"$TMP/tgz"
sed 's|"file":"[^"]*"|"file":"x"|' "$TMP/t1" >"$TMP/t1x"
check "gzip input: identical hits" cmp -s "$TMP/t1x" "$TMP/tgz"
"$VIGIE" match --snapshot "$TMP/cert.snap" --block-size 777 - <"$TMP/big.log" 2>/dev/null |
  sed 's|"file":"[^"]*"|"file":"x"|' >"$TMP/tstdin"
check "standard input: identical hits" cmp -s "$TMP/t1x" "$TMP/tstdin"
"$VIGIE" match --for cert "$TMP/big.log" 2>/dev/null >"$TMP/thub"
check "from the hub without a snapshot: identical hits" cmp -s "$TMP/t1" "$TMP/thub"
c=$("$VIGIE" match --snapshot "$TMP/cert.snap" --count "$TMP/big.log" 2>/dev/null)
eq "--count counts the hits" "$(wc -l <"$TMP/t1")" "$(jq .hits <<<"$c")"
eq "--count counts the lines" "$(wc -l <"$TMP/big.log")" "$(jq .lines <<<"$c")"
printf 'no newline at the end: mal3.ru' >"$TMP/nonl.log"
eq "a last line without newline" "1 mal3.ru" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" "$TMP/nonl.log" 2>/dev/null | jq -r '"\(.line) \(.text)"')"

# --fields: only hits in the named fields, for the formats that name them -
# the same join as above, restricted to the values of those fields.
# (line, text) pairs of the hits, and of the expected hits whose text is the
# value of a field of that line.
hits() { jq -r '"\(.line)\t\(.text)"' | sort -u; }
want() { # FORMAT OFFSET: expected hits whose text is in the values file (line<TAB>value)
  awk -F'\t' -v f="$1.log" -v o="$2" 'NR == FNR { v[$1 "\t" $2] = 1; next }
    $1 == f && (($2 "\t" $3) in v) { print $2 + o "\t" $3 }' "$TMP/vals" "$D/expected.tsv" | sort -u
}
{ printf '#separator \\x09\n#set_separator\t,\n#path\tconn\n'
  printf '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\n'
  printf '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\n'
  cat "$D/zeek-conn.log"; } >"$TMP/conn.log"
awk -F'\t' '{ print NR "\t" $5 }' "$D/zeek-conn.log" >"$TMP/vals"
eq "--fields id.resp_h on a Zeek log: the responders only" "$(want zeek-conn 5)" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields id.resp_h "$TMP/conn.log" 2>/dev/null | hits)"
check "... some of them" test -n "$(want zeek-conn 5)"
gzip -c "$TMP/conn.log" >"$TMP/conn.log.gz"
eq "... the same from gzip" "$(want zeek-conn 5)" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields id.resp_h "$TMP/conn.log.gz" 2>/dev/null | hits)"
jq -r '([input_line_number, .dest_ip] | @tsv), ([input_line_number, .http.hostname] | @tsv)' \
  "$D/suricata-eve.log" >"$TMP/vals"
eq "--fields dest_ip,hostname on EVE JSON (a nested key)" "$(want suricata-eve 0)" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields dest_ip,hostname "$D/suricata-eve.log" 2>/dev/null | hits)"
jq -r '.answers[] as $a | [input_line_number, $a] | @tsv' "$D/zeek-json.log" >"$TMP/vals"
eq "--fields answers on Zeek JSON (values of an array)" "$(want zeek-json 0)" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields answers - <"$D/zeek-json.log" 2>/dev/null | hits)"
{ echo 'ts,action,src,dst,"query",sha256'; cat "$D/csv.log"; } >"$TMP/withhead.csv"
awk -F, '{ print NR "\t" $5 }' "$D/csv.log" >"$TMP/vals"
eq "--fields query on CSV with a header" "$(want csv 1)" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields query "$TMP/withhead.csv" 2>/dev/null | hits)"
c=$("$VIGIE" match --snapshot "$TMP/cert.snap" --fields query --count "$TMP/withhead.csv" 2>/dev/null)
eq "--count with --fields counts the kept hits" "$(want csv 1 | wc -l)" "$(jq .hits <<<"$c")"
"$VIGIE" match --snapshot "$TMP/cert.snap" --fields query "$D/syslog.log" >"$TMP/out" 2>"$TMP/err"
eq "--fields on a format without names: every hit kept" \
  "$("$VIGIE" match --snapshot "$TMP/cert.snap" "$D/syslog.log" 2>/dev/null | wc -l)" "$(wc -l <"$TMP/out")"
check "... and said on standard error" grep -q "no Zeek or CSV header" "$TMP/err"
rc=0; "$VIGIE" match --fields ',,' "$TMP/nonl.log" >/dev/null 2>&1 || rc=$?
eq "--fields with an empty name is a usage error" 2 "$rc"

# Bad snapshots and bad usage.
expect_fail() { # DESCRIPTION PATTERN ARGS...
  local d=$1 pat=$2 rc=0
  shift 2
  "$VIGIE" match "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ne 0 ] && grep -q "$pat" "$TMP/err" && [ ! -s "$TMP/out" ]; then ok "$d"; else
    not_ok "$d (exit $rc: $(cat "$TMP/err"))"; fi
}
cp "$TMP/cert.snap" "$TMP/flip.snap"
printf 'X' | dd of="$TMP/flip.snap" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect_fail "a flipped byte is refused" "checksum mismatch" --snapshot "$TMP/flip.snap" "$TMP/nonl.log"
head -c 3000 "$TMP/cert.snap" >"$TMP/trunc.snap"
expect_fail "a truncated snapshot is refused" "truncated" --snapshot "$TMP/trunc.snap" "$TMP/nonl.log"
expect_fail "a log file is not a snapshot" "not a Vigie snapshot" --snapshot "$D/csv.log" "$TMP/nonl.log"
expect_fail "a missing snapshot" "cannot open" --snapshot "$TMP/none.snap" "$TMP/nonl.log"
expect_fail "a missing log" "cannot open" --snapshot "$TMP/cert.snap" "$TMP/none.log"
expect_fail "a corrupt gzip log" "cannot read" --snapshot "$TMP/cert.snap" <(printf '\037\213garbage')
rc=0; "$VIGIE" match --threads 0 "$TMP/nonl.log" >/dev/null 2>&1 || rc=$?
eq "--threads 0 is a usage error" 2 "$rc"
rc=0; "$VIGIE" snapshot >/dev/null 2>&1 || rc=$?
eq "snapshot without -o is a usage error" 2 "$rc"
rc=0; "$VIGIE" snapshot --for nobody -o "$TMP/x.snap" >/dev/null 2>&1 || rc=$?
eq "snapshot for an unknown organisation fails" 1 "$rc"
finish
