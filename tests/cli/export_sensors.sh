#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vigie export --format zeek-intel | rpz | suricata: the files those sensors
# read, compared with examples written here from each project's documentation
# (Zeek's Intelligence Framework input file, the DNS RPZ draft's triggers,
# Suricata's dataset file formats and rule keywords), and the sharing rules:
# RED and AMBER+STRICT never reach these bulk feeds.
source "$(dirname "$0")/lib/common.bash"

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add acme --kind vendor >/dev/null
cat >"$TMP/iocs.txt" <<'LIST'
evil.com
1.2.3.4
10.0.0.0/8
2001:db8::1
2001:db8:ff00::/40
hxxp://drop[.]org/a?b=1
user@phish.example.net
d41d8cd98f00b204e9800998ecf8427e
da39a3ee5e6b4b0d3255bfef95601890afd80709
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
LIST
"$VIGIE" import --as acme --tlp green --label emotet "$TMP/iocs.txt" >/dev/null 2>&1
printf 'red.example.org\n' >"$TMP/red.txt"
printf 'strict.example.org\n' >"$TMP/strict.txt"
"$VIGIE" import --as acme --tlp red "$TMP/red.txt" >/dev/null 2>&1
"$VIGIE" import --as acme --tlp amber+strict "$TMP/strict.txt" >/dev/null 2>&1

# Zeek: "#fields" header, tab-separated, Intel::Type names, URLs without
# "http://" (docs.zeek.org, Intelligence Framework, Loading Intelligence).
"$VIGIE" export --for acme --format zeek-intel -o "$TMP/intel.dat" 2>/dev/null
T=$'\t'
cat >"$TMP/intel.want" <<WANT
#fields${T}indicator${T}indicator_type${T}meta.source${T}meta.desc
10.0.0.0/8${T}Intel::SUBNET${T}vigie${T}emotet
1.2.3.4${T}Intel::ADDR${T}vigie${T}emotet
2001:db8::1${T}Intel::ADDR${T}vigie${T}emotet
2001:db8:ff00::/40${T}Intel::SUBNET${T}vigie${T}emotet
d41d8cd98f00b204e9800998ecf8427e${T}Intel::FILE_HASH${T}vigie${T}emotet
da39a3ee5e6b4b0d3255bfef95601890afd80709${T}Intel::FILE_HASH${T}vigie${T}emotet
drop.org/a?b=1${T}Intel::URL${T}vigie${T}emotet
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855${T}Intel::FILE_HASH${T}vigie${T}emotet
evil.com${T}Intel::DOMAIN${T}vigie${T}emotet
user@phish.example.net${T}Intel::EMAIL${T}vigie${T}emotet
WANT
eq "zeek-intel: the header comes first" "#fields${T}indicator${T}indicator_type${T}meta.source${T}meta.desc" "$(head -1 "$TMP/intel.dat")"
eq "zeek-intel: one documented line per indicator" "$(sort "$TMP/intel.want")" "$(sort "$TMP/intel.dat")"
eq "zeek-intel: every line has four tab-separated fields" "" "$(awk -F'\t' 'NR > 1 && NF != 4' "$TMP/intel.dat")"

# RPZ: QNAME triggers for the name and its subdomains, response-IP triggers
# "prefix.reversed-address.rpz-ip" with "zz" for "::", CNAME . = NXDOMAIN.
"$VIGIE" export --for acme --format rpz -o "$TMP/rpz.zone" 2>/dev/null
cat >"$TMP/rpz.want" <<'WANT'
evil.com CNAME .
*.evil.com CNAME .
32.4.3.2.1.rpz-ip CNAME .
8.0.0.0.10.rpz-ip CNAME .
128.1.zz.db8.2001.rpz-ip CNAME .
40.zz.ff00.db8.2001.rpz-ip CNAME .
WANT
eq "rpz: the documented triggers" "$(sort "$TMP/rpz.want")" "$(grep -v '^[;$@]' "$TMP/rpz.zone" | sort)"
check "rpz: a zone with SOA and NS" bash -c "grep -q '^@ IN SOA ' '$TMP/rpz.zone' && grep -q '^@ IN NS ' '$TMP/rpz.zone' && grep -q '^\$TTL ' '$TMP/rpz.zone'"
if command -v named-checkzone >/dev/null; then
  check "rpz: named-checkzone accepts it" named-checkzone -q rpz.local "$TMP/rpz.zone"
fi

# Suricata: base64 strings, hex hashes, addresses as text, one a line;
# rules with dataset:isset and filemd5/filesha1/filesha256.
"$VIGIE" export --for acme --format suricata -o "$TMP/sur" 2>/dev/null
eq "suricata: domains base64-encoded" "$(printf 'evil.com' | base64)" "$(cat "$TMP/sur/vigie-domains.lst")"
eq "suricata: addresses as text" "$(printf '1.2.3.4\n2001:db8::1')" "$(sort "$TMP/sur/vigie-ip.lst")"
eq "suricata: md5 as hex" d41d8cd98f00b204e9800998ecf8427e "$(cat "$TMP/sur/vigie-md5.lst")"
eq "suricata: sha256 as hex" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "$(cat "$TMP/sur/vigie-sha256.lst")"
R=$TMP/sur/vigie.rules
check "suricata: dns.query against the domain set" grep -q 'dns.query; dataset:isset,vigie-domains, type string, load vigie-domains.lst' "$R"
check "suricata: http.host and tls.sni too" bash -c "grep -q 'http.host; dataset:isset,vigie-domains' '$R' && grep -q 'tls.sni; dataset:isset,vigie-domains' '$R'"
check "suricata: ip.dst and ip.src against the address set" bash -c "grep -q 'ip.dst; dataset:isset,vigie-ip, type ip, load vigie-ip.lst' '$R' && grep -q 'ip.src; dataset:isset,vigie-ip' '$R'"
check "suricata: file hashes with filemd5 / filesha256" bash -c "grep -q 'filemd5:vigie-md5.lst;' '$R' && grep -q 'filesha256:vigie-sha256.lst;' '$R'"
eq "suricata: every rule has a unique sid" "$(grep -c '^alert' "$R")" "$(grep -o 'sid:[0-9]*' "$R" | sort -u | wc -l)"
eq "suricata: every rule is one balanced line" "" "$(grep '^alert' "$R" | grep -v '^alert [a-z]* any any -> any any (msg:"[^"]*";.*rev:1;)$')"
rc=0; "$VIGIE" export --format suricata >/dev/null 2>"$TMP/err" || rc=$?
check "suricata without -o DIR is refused" bash -c "[ $rc -ne 0 ] && grep -q 'directory' '$TMP/err'"

# Bulk feeds: RED and AMBER+STRICT never in them.
for f in zeek-intel rpz; do
  eq "$f: RED and AMBER+STRICT left out" "" "$("$VIGIE" export --for acme --format "$f" 2>/dev/null | grep -E 'red\.example|strict\.example')"
done
rc=0; "$VIGIE" export --format nonsense >/dev/null 2>&1 || rc=$?
eq "an unknown format is a usage error" 2 "$rc"
finish
