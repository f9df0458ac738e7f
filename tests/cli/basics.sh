#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# init, organisations, keys and groups through the real binary; secrets are
# shown once and never stored or listed.
source "$(dirname "$0")/lib/common.bash"

init=$("$VIGIE" init --name op --country FR --json)
eq "init prints the operator" op "$(jq -r .org.name <<<"$init")"
secret=$(jq -r .key.secret <<<"$init")
kid=$(jq -r .key.id <<<"$init")
check "secret is 256-bit hex after its id" grep -Eq "^${kid}\.[0-9a-f]{64}$" <<<"$secret"
check "secret not stored in the database" bash -c "! grep -aq '${secret#*.}' '$VIGIE_HUB/vigie.db'"
check "second init refuses" bash -c "! '$VIGIE' init 2>/dev/null"

"$VIGIE" org add ACME --kind vendor --country de --json >"$TMP/acme.json"
eq "country upper-cased" DE "$(jq -r .country "$TMP/acme.json")"
check "duplicate org refused" bash -c "! '$VIGIE' org add ACME 2>/dev/null"
check "bad kind refused" bash -c "! '$VIGIE' org add X --kind pirate 2>/dev/null"
"$VIGIE" org add Police --kind law-enforcement --country FR --stix-id identity--f431f809-377b-45e0-aa1c-6a4751cae5ff >/dev/null
eq "org show by stix id" Police "$("$VIGIE" org show identity--f431f809-377b-45e0-aa1c-6a4751cae5ff --json | jq -r .name)"
eq "org list" 3 "$("$VIGIE" org list --json | jq length)"

key=$("$VIGIE" key create --org ACME --scopes read,write --json)
eq "key scopes" '["read","write"]' "$(jq -c .scopes <<<"$key")"
eq "key org" ACME "$(jq -r .org <<<"$key")"
check "key expires" test "$(jq -r .expires <<<"$key")" != null
list=$("$VIGIE" key list --json)
check "key list never shows secrets" bash -c "! grep -q secret <<<'$list'"
eq "two keys" 2 "$(jq length <<<"$list")"
"$VIGIE" key revoke "$(jq -r .id <<<"$key")" >/dev/null
eq "revoked" true "$("$VIGIE" key list --org ACME --json | jq '.[0].revoked')"
check "bad scope refused" bash -c "! '$VIGIE' key create --org ACME --scopes root 2>/dev/null"

"$VIGIE" group add op-x --description "joint op" >/dev/null
"$VIGIE" group members op-x --add Police >/dev/null
eq "group member" Police "$("$VIGIE" group members op-x --json | jq -r '.members[0].name')"
"$VIGIE" group members op-x --remove Police >/dev/null
eq "member removed" 0 "$("$VIGIE" group members op-x --json | jq '.members | length')"

"$VIGIE" org disable ACME >/dev/null
eq "disabled" true "$("$VIGIE" org show ACME --json | jq .disabled)"
echo 1.2.3.4 >"$TMP/list.txt"
check "a disabled organisation cannot import" bash -c "! '$VIGIE' import --as ACME '$TMP/list.txt' 2>/dev/null"
check "the operator cannot be disabled" bash -c "! '$VIGIE' org disable op 2>/dev/null"

check "unknown verb is a usage error" bash -c "'$VIGIE' frobnicate 2>/dev/null; test \$? -eq 2"
check "missing hub is a clear error" bash -c "'$VIGIE' --hub '$TMP/nope' org list 2>&1 | grep -q 'no hub'"
finish
