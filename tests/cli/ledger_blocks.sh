#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stored roots of complete blocks of 1,024 entries, from which proofs
# are made: written as blocks complete, proofs from them verify offline,
# rebuilt for a ledger that lacks them, and an altered root is named by
# `vigie verify`.
source "$(dirname "$0")/lib/common.bash"
"$VIGIE" init --name op >/dev/null
"$VIGIE" ledger pubkey -o "$TMP/pub.key"
"$VIGIE" org add Vendor --kind vendor >/dev/null
for i in $(seq 1 2100); do echo "10.$((i / 250)).$((i % 250)).1"; done >"$TMP/a.txt"
"$VIGIE" import --as Vendor --tlp green "$TMP/a.txt" >/dev/null 2>&1
db=$VIGIE_HUB/vigie.db
eq "two complete blocks stored" 2 "$(sqlite3 "$db" "SELECT count(*) FROM ledger_block")"
id=$(sqlite3 "$db" "SELECT stix_id FROM object ORDER BY rowid LIMIT 1 OFFSET 5")
"$VIGIE" evidence "$id" -o "$TMP/b.json" 2>/dev/null
check "a proof made from the block roots verifies offline" bash -c "'$VIGIE' verify '$TMP/b.json' --key '$TMP/pub.key' >/dev/null"
check "the hub verifies" bash -c "'$VIGIE' verify >/dev/null"
sqlite3 "$db" "DELETE FROM ledger_block"
check "a ledger without its block roots still verifies" bash -c "'$VIGIE' verify >/dev/null"
echo 192.0.2.200 >"$TMP/c.txt"
"$VIGIE" import --as Vendor --tlp green "$TMP/c.txt" >/dev/null 2>&1
eq "the next write stores them again" 2 "$(sqlite3 "$db" "SELECT count(*) FROM ledger_block")"
"$VIGIE" evidence "$id" -o "$TMP/b2.json" 2>/dev/null
check "... and proofs from them verify" bash -c "'$VIGIE' verify '$TMP/b2.json' --key '$TMP/pub.key' >/dev/null"
sqlite3 "$db" "UPDATE ledger_block SET hash = zeroblob(32) WHERE k = 1"
check "an altered block root is caught" bash -c "! '$VIGIE' verify >'$TMP/v' 2>&1"
check "... and named" grep -q "entries 1024-2047" "$TMP/v"
finish
