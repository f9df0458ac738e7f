#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every OASIS STIX 2.1 example bundle imports without a rejection, exports back
# with the same objects (the hub adds only its TLP marking; TLP:RED objects are
# never exported), and the exported
# bundle validates against the OASIS JSON schemas.
source "$(dirname "$0")/lib/common.bash"
EX=$SHARED/stix2-json-schemas/examples
[ -d "$EX" ] || skip_all "$EX not found (../shared/data is absent)"
VALIDATOR=$SRC/tests/schema/validate.mjs
have_validator=0
if [ -f "$VALIDATOR" ] && [ -d "$SRC/tests/schema/node_modules" ] && command -v node >/dev/null; then
  have_validator=1
else
  echo "note: schema validator not installed (npm ci --prefix tests/schema): schema checks skipped"
fi

n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  hub=$TMP/hub$n
  "$VIGIE" --hub "$hub" init --name op >/dev/null
  creator=$(jq -r '[(if .type == "bundle" then (.objects // []) else [.] end)[] | .created_by_ref // empty] | unique | .[0] // empty' "$f")
  as=op
  if [ -n "$creator" ]; then
    "$VIGIE" --hub "$hub" org add author --kind vendor --stix-id "$creator" >/dev/null
    as=author
  fi
  name=$(basename "$f")
  r=$("$VIGIE" --hub "$hub" import --as "$as" --json "$f" || true)
  eq "$name: nothing rejected" 0 "$(jq .rejected <<<"$r")"
  [ "$(jq .rejected <<<"$r")" = 0 ] || jq -c '.errors[]' <<<"$r" | head -5
  "$VIGIE" --hub "$hub" export --for "$as" -o "$TMP/out$n.json" 2>/dev/null
  # TLP:RED (1.0 or 2.0 id) never leaves the hub in an export.
  red='["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]'
  norm="[(if .type == \"bundle\" then (.objects // []) else [.] end)[] | select((.object_marking_refs // []) - $red == (.object_marking_refs // [])) | del(.object_marking_refs)] | sort_by(.id, .modified)"
  want=$(jq -S "$norm" "$f") || want="(jq failed on the input)"
  got=$(jq -S "$norm" "$TMP/out$n.json") || got="(jq failed on the export)"
  check "$name: comparison computed" test -n "$want"
  eq "$name: same objects back" "$want" "$got"
  if [ $have_validator = 1 ]; then
    check "$name: export valid against the OASIS schemas" node "$VALIDATOR" "$TMP/out$n.json"
  fi
done < <(find "$EX" -name '*.json' -print0 | sort -z)
check "examples found" test "$n" -gt 0
finish
