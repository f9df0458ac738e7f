#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Artefacts (files attached to objects) with the real server on loopback:
# upload, list and download byte for byte; the same 404 for an object or an
# artefact the key may not see as for an unknown id or hash; 403 to anyone
# but the contributor; 413 beyond the size limit with nothing stored; file
# names that try to leave the directory are harmless; each upload is a
# ledger entry, listed with its proof in the evidence bundle; `vigie verify`
# re-hashes the files and catches one altered on disk.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v sha256sum >/dev/null || skip_all "sha256sum not installed"
"$VIGIE" init --name op >/dev/null
"$VIGIE" ledger pubkey -o "$TMP/pub.key"
"$VIGIE" org add Police --kind law-enforcement >/dev/null
"$VIGIE" org add Vendor --kind vendor >/dev/null
psecret=$("$VIGIE" key create --org Police --scopes read,write --json | jq -r .secret)
pread=$("$VIGIE" key create --org Police --scopes read --json | jq -r .secret)
vsecret=$("$VIGIE" key create --org Vendor --scopes read,write --json | jq -r .secret)
printf '198.51.100.7\n' >"$TMP/g.txt"
"$VIGIE" import --as Police --tlp green "$TMP/g.txt" >/dev/null 2>&1
printf '203.0.113.9\n' >"$TMP/r.txt"
"$VIGIE" import --as Police --tlp red "$TMP/r.txt" >/dev/null 2>&1
gid=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE tlp = 1")
rid=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT stix_id FROM object WHERE tlp = 4")
never=indicator--00000000-0000-4000-8000-000000000000

cat >"$TMP/config.json" <<'JSON'
{"limits": {"max_artefact_size": 200000, "max_artefacts_per_object": 4}}
JSON
start_server --config "$TMP/config.json" --threads 2
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
A=http://127.0.0.1:$PORT/api/v1
P=(-H "Authorization: Bearer $psecret")
V=(-H "Authorization: Bearer $vsecret")
OS=(-H "Content-Type: application/octet-stream")
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# A binary sample: every byte value, NULs and a fake ELF header included.
head -c 100000 /dev/urandom >"$TMP/sample.bin"
printf '\177ELF\0\0\0#!/bin/sh\n' >>"$TMP/sample.bin"
sha=$(sha256sum "$TMP/sample.bin" | cut -d' ' -f1)

eq "upload without a key: 401" 401 "$(code -X POST "${OS[@]}" --data-binary @"$TMP/sample.bin" "$A/objects/$gid/artefacts")"
eq "upload with a read-only key: 403" 403 "$(code -X POST "${OS[@]}" -H "Authorization: Bearer $pread" --data-binary @"$TMP/sample.bin" "$A/objects/$gid/artefacts")"
eq "upload as another type: 415" 415 "$(code -X POST "${P[@]}" -H 'Content-Type: text/plain' --data-binary @"$TMP/sample.bin" "$A/objects/$gid/artefacts")"
r=$(curl -s -w '\n%{http_code}' -X POST "${P[@]}" "${OS[@]}" --data-binary @"$TMP/sample.bin" \
  "$A/objects/$gid/artefacts?name=sample.exe&media_type=application/x-dosexec")
eq "the contributor uploads: 201" 201 "$(tail -1 <<<"$r")"
eq "the answer names its SHA-256" "$sha" "$(head -1 <<<"$r" | jq -r .sha256)"
eq "... and its size" 100017 "$(head -1 <<<"$r" | jq -r .size)"
eq "the same bytes again: 200, nothing new" 200 "$(code -X POST "${P[@]}" "${OS[@]}" --data-binary @"$TMP/sample.bin" "$A/objects/$gid/artefacts?name=again.bin")"
eq "one file on disk" 1 "$(find "$VIGIE_HUB/artefacts" -type f | wc -l)"
check "stored under its hash, not executable" test -f "$VIGIE_HUB/artefacts/${sha:0:2}/${sha:2}" -a ! -x "$VIGIE_HUB/artefacts/${sha:0:2}/${sha:2}"

curl -s "${V[@]}" "$A/objects/$gid/artefacts" >"$TMP/list.json"
eq "another partner that sees the object lists it" "$sha" "$(jq -r '.artefacts[0].sha256' "$TMP/list.json")"
eq "list: name, media type as declared" "sample.exe application/x-dosexec" "$(jq -r '.artefacts[0] | "\(.name) \(.media_type)"' "$TMP/list.json")"
eq "list: one entry" 1 "$(jq '.artefacts | length' "$TMP/list.json")"
check "list: upload time" bash -c "jq -e '.artefacts[0].uploaded | test(\"^20[0-9-]+T\")' '$TMP/list.json' >/dev/null"
curl -s "${V[@]}" -D "$TMP/h" -o "$TMP/got.bin" "$A/artefacts/$sha"
check "download is byte for byte the upload" cmp -s "$TMP/sample.bin" "$TMP/got.bin"
check "download: application/octet-stream" grep -qi '^Content-Type: application/octet-stream' "$TMP/h"
check "download: attachment" grep -qi '^Content-Disposition: attachment' "$TMP/h"
check "download: nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$TMP/h"
eq "a partner that did not contribute the object may not attach: 403" 403 "$(code -X POST "${V[@]}" "${OS[@]}" --data-binary 'x' "$A/objects/$gid/artefacts")"

# What a partner may not see does not exist for it.
printf 'phishing kit for the RED case\n' >"$TMP/red.bin"
rsha=$(sha256sum "$TMP/red.bin" | cut -d' ' -f1)
eq "upload to the RED object: 201" 201 "$(code -X POST "${P[@]}" "${OS[@]}" --data-binary @"$TMP/red.bin" "$A/objects/$rid/artefacts")"
eq "its contributor downloads it" 200 "$(code "${P[@]}" "$A/artefacts/$rsha")"
curl -s -D "$TMP/h1" -o "$TMP/b1" "${V[@]}" "$A/objects/$rid/artefacts"
curl -s -D "$TMP/h2" -o "$TMP/b2" "${V[@]}" "$A/objects/$never/artefacts"
eq "list of a hidden object: 404" 404 "$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/h1")"
check "... the same body as an unknown id" cmp -s "$TMP/b1" "$TMP/b2"
curl -s -D "$TMP/h1" -o "$TMP/b1" "${V[@]}" "$A/artefacts/$rsha"
curl -s -D "$TMP/h2" -o "$TMP/b2" "${V[@]}" "$A/artefacts/$(printf x | sha256sum | cut -d' ' -f1)"
eq "download of a hidden artefact: 404" 404 "$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/h1")"
check "... the same body as an unknown hash" cmp -s "$TMP/b1" "$TMP/b2"
check "... and the same headers" bash -c "diff <(grep -vi '^date:' '$TMP/h1') <(grep -vi '^date:' '$TMP/h2') >/dev/null"
eq "upload to a hidden object: 404 as an unknown id" "$(code -X POST "${V[@]}" "${OS[@]}" --data-binary 'x' "$A/objects/$never/artefacts")" \
  "$(code -X POST "${V[@]}" "${OS[@]}" --data-binary 'x' "$A/objects/$rid/artefacts")"
eq "a malformed hash: 404" 404 "$(code "${V[@]}" "$A/artefacts/..%2F..%2Fvigie.db")"

# Limits: size (nothing stored) and count.
files_before=$(find "$VIGIE_HUB/artefacts" -type f | wc -l)
rows_before=$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT count(*) FROM artefact")
head -c 200001 /dev/urandom >"$TMP/big.bin"
eq "oversize: 413" 413 "$(code -X POST "${P[@]}" "${OS[@]}" --data-binary @"$TMP/big.bin" "$A/objects/$gid/artefacts")"
eq "... no file written" "$files_before" "$(find "$VIGIE_HUB/artefacts" -type f | wc -l)"
eq "... no row written" "$rows_before" "$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT count(*) FROM artefact")"

# Names that try to go somewhere are only names.
r=$(curl -s -X POST "${P[@]}" "${OS[@]}" --data-binary 'one' "$A/objects/$gid/artefacts?name=..%2F..%2F..%2Fetc%2Fpasswd")
eq "a path in the name keeps its last part" passwd "$(jq -r .name <<<"$r")"
r=$(curl -s -X POST "${P[@]}" "${OS[@]}" -H 'X-Artefact-Name: ..\..\x y"z;.sh' --data-binary 'two' "$A/objects/$gid/artefacts")
eq "a header name: separators and quotes neutralised" 'x_y_z_.sh' "$(jq -r .name <<<"$r")"
r=$(curl -s -X POST "${P[@]}" "${OS[@]}" --data-binary 'three' "$A/objects/$gid/artefacts?name=..&media_type=text/html%0d%0aX:%20y")
eq "a name of dots is empty" '' "$(jq -r .name <<<"$r")"
eq "a media type with a line break is not kept" application/octet-stream "$(jq -r .media_type <<<"$r")"
check "nothing was written outside the artefacts" bash -c "! find '$TMP' -name passwd | grep -q . && [ ! -e '$TMP/etc' ]"
eq "the 5th artefact of an object: 409" 409 "$(code -X POST "${P[@]}" "${OS[@]}" --data-binary 'four' "$A/objects/$gid/artefacts")"

# The ledger: one leaf (action 33) per upload, in the bundle, verified.
eq "one ledger leaf per upload" 5 "$(sqlite3 "$VIGIE_HUB/vigie.db" "SELECT count(*) FROM ledger WHERE obj IS NULL AND hex(substr(leaf, 2, 1)) = '21'")"
curl -s "${V[@]}" "$A/ledger/inclusion?id=$gid" >"$TMP/bundle.json"
eq "the evidence bundle lists the object's artefacts" "$sha" "$(jq -r '.artefacts[0].sha256' "$TMP/bundle.json")"
"$VIGIE" verify "$TMP/bundle.json" --key "$TMP/pub.key" >"$TMP/vb" 2>&1 && ok "the bundle verifies offline" || not_ok "the bundle verifies offline: $(cat "$TMP/vb")"
check "... and says who attached what" grep -q "artefact $sha (100017 bytes) was attached to $gid" "$TMP/vb"
last=0; [ "${sha:63}" = 0 ] && last=1
sed "s/$sha/${sha:0:63}$last/" "$TMP/bundle.json" >"$TMP/forged.json"
check "a bundle with an artefact hash changed fails" bash -c "! '$VIGIE' verify '$TMP/forged.json' --key '$TMP/pub.key' >/dev/null 2>&1"
"$VIGIE" verify >"$TMP/v" 2>&1 && ok "vigie verify passes" || not_ok "vigie verify passes: $(cat "$TMP/v")"
check "vigie verify re-hashed the artefacts" grep -q "5 artefacts match" "$TMP/v"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
eq "clean exit" 0 $?

f="$VIGIE_HUB/artefacts/${sha:0:2}/${sha:2}"
chmod u+w "$f"
# one byte changed (the file is random: write X unless X is already there)
was=$(dd if="$f" bs=1 skip=5000 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
if [ "$was" = 58 ]; then printf 'Y'; else printf 'X'; fi | dd of="$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
check "a file altered on disk is caught" bash -c "! '$VIGIE' verify >'$TMP/v2' 2>&1"
check "... and named" bash -c "grep -q '$sha.*altered on disk' '$TMP/v2'"
cp "$TMP/sample.bin" "$f"
check "restored, it verifies again" bash -c "'$VIGIE' verify >/dev/null"
sqlite3 "$VIGIE_HUB/vigie.db" "UPDATE artefact SET stix_id = '$never' WHERE sha256 = X'$rsha'"
check "an artefact moved to another object in SQL is caught" bash -c "! '$VIGIE' verify >/dev/null 2>&1"
sqlite3 "$VIGIE_HUB/vigie.db" "UPDATE artefact SET stix_id = '$rid' WHERE sha256 = X'$rsha'"
sqlite3 "$VIGIE_HUB/vigie.db" "DELETE FROM artefact WHERE sha256 = X'$rsha'"
check "an artefact row deleted in SQL is caught" bash -c "! '$VIGIE' verify >/dev/null 2>&1"
finish
