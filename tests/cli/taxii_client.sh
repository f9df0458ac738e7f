#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A TAXII 2.1 client written from the standard (tests/taxii_client) walks
# the real server: discovery -> API root -> collections -> add objects ->
# poll status -> paged get -> manifest -> versions -> delete.
source "$(dirname "$0")/lib/common.bash"
command -v node >/dev/null || skip_all "node not installed"

"$VIGIE" init --name op >/dev/null
"$VIGIE" org add ACME --kind vendor >/dev/null
k=$("$VIGIE" key create --org ACME --scopes read,write --json)
kid=$(jq -r .id <<<"$k")
secret=$(jq -r .secret <<<"$k")
"$VIGIE" collection add "Operation Walk" --read community --write org:ACME >/dev/null
start_server

node "$SRC/tests/taxii_client/walk.mjs" "http://127.0.0.1:$PORT/taxii2/" "$kid" "$secret" \
  "Operation Walk" >"$TMP/walk" 2>&1 || true
cat "$TMP/walk"
eq "the walk passed" "all passed" "$(tail -1 "$TMP/walk")"
check "the hub is intact" "$VIGIE" check
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
