#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Asset watch lists end to end, with a real server and a local HTTPS
# webhook receiver (tests/cli/webhook_receiver.py) that verifies every
# signature and fails the first two deliveries:
# - an organisation manages its own list over the API (and only its own:
#   another's entry answers exactly as one that never existed);
# - a partner's TAXII POST of an address in the registered network reaches
#   the owner as a signed webhook, retried with backoff, every attempt
#   recorded; the notification API says the same;
# - the owner learns no more than the policy allows: a RED report by
#   someone else, and a report tightened to RED afterwards, say only "an
#   asset of yours is reported"; another organisation sees nothing;
# - a rejected object notifies nobody; a removed entry stops matching.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
T="application/taxii+json;version=2.1"

"$VIGIE" init --name op >/dev/null
for o in Acme Other; do "$VIGIE" org add $o --kind company >/dev/null; done
"$VIGIE" org add Vendor --kind vendor >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes "$2" --json | jq -r .secret; }
kAcme=$(key Acme read,write) kAcmeRO=$(key Acme read) kOther=$(key Other read,write)
kVendor=$(key Vendor read,write)
cid=$("$VIGIE" collection add feed --read community --write community --json | jq -r .id)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$TMP/rkey.pem" -out "$TMP/rcert.pem" 2>/dev/null
mkdir "$TMP/recv"
python3 "$SRC/tests/cli/webhook_receiver.py" "$TMP/recv" "$TMP/rcert.pem" "$TMP/rkey.pem" 2 &
RECV_PID=$!
trap 'kill $RECV_PID ${SERVER_PID:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 200); do [ -f "$TMP/recv/port" ] && break; sleep 0.05; done
RPORT=$(cat "$TMP/recv/port")

# The webhook: secret printed once, kept by the receiver.
"$VIGIE" watch webhook --org Acme "https://127.0.0.1:$RPORT/hook" --json >"$TMP/hook.json"
jq -r .secret "$TMP/hook.json" >"$TMP/recv/secret"
check "the webhook secret is 256 random bits" grep -Eq '^whsec_[0-9a-f]{64}$' "$TMP/recv/secret"
check "bad webhook URLs are refused" bash -c "! '$VIGIE' watch webhook --org Acme ftp://x 2>/dev/null"

echo "{\"webhook\": {\"ca_file\": \"$TMP/rcert.pem\", \"timeout_s\": 5}}" >"$TMP/vigie.json"
start_server --config "$TMP/vigie.json"
A=http://127.0.0.1:$PORT/api/v1
api() { # api KEY METHOD PATH [BODY]: prints "STATUS BODY"
  local k=$1 m=$2 p=$3
  shift 3
  curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $k" "$@" "$A$p"
  printf ' '
  cat "$TMP/body"
}

# ---- registration over the API ------------------------------------------------
r=$(api "$kAcme" POST /watch -d '{"kind":"network","value":"198.51.100.0/24"}')
eq "an organisation registers its network: 201" 201 "${r%% *}"
net_id=$(jq -r .id <<<"${r#* }")
eq "... canonical" "198.51.100.0/24" "$(jq -r .value <<<"${r#* }")"
r=$(api "$kAcme" POST /watch -d '{"kind":"domain","value":"ACME-Corp.com."}')
eq "a domain: 201" 201 "${r%% *}"
eq "... canonical" acme-corp.com "$(jq -r .value <<<"${r#* }")"
eq "a brand: 201" 201 "$(api "$kAcme" POST /watch -d '{"kind":"brand","value":"AcmeBank"}' | cut -d' ' -f1)"
eq "the same value twice: 409" 409 "$(api "$kAcme" POST /watch -d '{"kind":"brand","value":"acmebank"}' | cut -d' ' -f1)"
for bad in '{"kind":"domain","value":"co.uk"}' '{"kind":"network","value":"198.51.100.7/8"}' \
  '{"kind":"brand","value":"ab"}' '{"kind":"asn","value":"64496"}' '{"kind":"brand"}' \
  '{"kind":"brand","value":"acme","x":1}' '[1]' '{"kind":"brand","value":"acme","kind":"x"}' \
  'not json'; do
  eq "hostile registration $bad: 400" 400 "$(api "$kAcme" POST /watch -d "$bad" | cut -d' ' -f1)"
done
eq "a read-only key cannot register: 403" 403 "$(api "$kAcmeRO" POST /watch -d '{"kind":"brand","value":"acmepay"}' | cut -d' ' -f1)"
eq "no key: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$A/watch")"
eq "the owner lists its 3 entries" 3 "$(api "$kAcmeRO" GET /watch | cut -d' ' -f2- | jq '.watch | length')"
eq "another organisation sees an empty list" '{"watch":[]}' "$(api "$kOther" GET /watch | cut -d' ' -f2-)"
r1=$(api "$kOther" DELETE "/watch/$net_id")
r2=$(api "$kOther" DELETE /watch/wl_0123456789abcdef)
eq "another's entry cannot be removed: 404" 404 "${r1%% *}"
eq "... answered exactly as one that never existed" "$r2" "$r1"
eq "the entry is still there" 3 "$(api "$kAcme" GET /watch | cut -d' ' -f2- | jq '.watch | length')"

# ---- a partner reports an address inside the network ------------------------------
ind() { # ind UUID-SUFFIX MODIFIED VALUE TLP-MARKING-ID
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z","modified":"%s","pattern":"[ipv4-addr:value = '"'"'%s'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","labels":["c2"],"object_marking_refs":["%s"]}' "$@"
}
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
post() { # post KEY OBJECT
  curl -s -X POST -H "Accept: $T" -H "Content-Type: $T" -H "Authorization: Bearer $1" \
    --data-binary "{\"objects\":[$2]}" "http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/"
}
wait_got() { # wait_got N: until the receiver accepted N deliveries (bounded: 60 s)
  for _ in $(seq 1 600); do
    [ "$(cat "$TMP/recv/got" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
t0=$(date +%s.%N)
r=$(post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000001 2026-01-01T00:00:00Z 198.51.100.77 $GREEN)")
eq "the partner's report is stored" 1 "$(jq .success_count <<<"$r")"
check "a signed webhook arrives (after two refused attempts)" wait_got 1
n1=$(sed -n 1p "$TMP/recv/got")
eq "... it names the asset" 198.51.100.0/24 "$(jq -r .notification.asset.value <<<"$n1")"
eq "... the observable" 198.51.100.77 "$(jq -r .notification.observable.value <<<"$n1")"
eq "... the rule" in-network "$(jq -r .notification.rule <<<"$n1")"
eq "... the contributor, labels and TLP it may see" "Vendor c2 green" \
  "$(jq -r '.notification.object | "\(.contributor.name) \(.labels[0]) \(.tlp)"' <<<"$n1")"
eq "the receiver saw three attempts: 500, 500, 200" "500 1.1,500 1.2,200 1.3" \
  "$(paste -sd, "$TMP/recv/log")"
d=$("$VIGIE" watch deliveries --org Acme 1 --json)
eq "every attempt is recorded in the hub" "500 500 200" "$(jq -r '[.[].status] | join(" ")' <<<"$d")"
eq "... the notification is delivered" delivered \
  "$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq -r '.notifications[0].webhook.state')"
check "no delivery ever had a bad signature" test ! -e "$TMP/recv/bad"

# The normal path: a receiver that answers at once gets it within a second
# or so of the commit (printed, not asserted: the machine is shared).
t1=$(date +%s.%N)
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000002 2026-01-01T00:00:00Z 198.51.100.78 $GREEN)" >/dev/null
check "a second report is delivered at the first attempt" wait_got 2
t2=$(date +%s.%N)
echo "# commit to delivered webhook: $(echo "$t2 - $t1" | bc 2>/dev/null || echo '?') s (first, with two retries: $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s)"

# ---- the policy decides what the owner learns -----------------------------------
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000003 2026-01-01T00:00:00Z 198.51.100.79 $RED)" >/dev/null
check "a RED report by someone else is still notified" wait_got 3
n3=$(sed -n 3p "$TMP/recv/got")
eq "... with the asset and the generic message only" \
  '["asset","id","message","time"] 198.51.100.0/24' \
  "$(jq -c '.notification | keys' <<<"$n3") $(jq -r .notification.asset.value <<<"$n3")"
check "... the reported address appears nowhere" bash -c "! grep -q 198.51.100.79 <<<'$n3'"
eq "... contact the operator" "an asset of yours is reported by the hub; contact the operator" \
  "$(jq -r .notification.message <<<"$n3")"
# The first report is tightened to RED afterwards: its notification now
# says nothing about it either, on every path.
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000001 2026-02-01T00:00:00Z 198.51.100.77 $RED)" >/dev/null
check "the tightened version is notified too" wait_got 4
ns=$(api "$kAcme" GET /notifications | cut -d' ' -f2-)
eq "4 notifications, numbered for the owner" "1 2 3 4" "$(jq -r '[.notifications[].id] | join(" ")' <<<"$ns")"
eq "the tightened report is hidden now" '["asset","id","message","time","webhook"]' \
  "$(jq -c '.notifications[0] | keys' <<<"$ns")"
check "... its address appears nowhere" bash -c "! grep -q 198.51.100.77 <<<'$ns'"
eq "the visible one stays" 198.51.100.78 "$(jq -r '.notifications[1].observable.value' <<<"$ns")"
eq "paging: after=2&limit=1" 3 "$(api "$kAcme" GET '/notifications?after=2&limit=1' | cut -d' ' -f2- | jq '.notifications[0].id')"
eq "the CLI says the same as the API" "$(jq -c '[.notifications[] | del(.webhook)]' <<<"$ns")" \
  "$("$VIGIE" watch notifications --org Acme --json | jq -c '[.[] | del(.webhook)]')"
eq "another organisation has no notification" '{"notifications":[],"next":0}' \
  "$(api "$kOther" GET /notifications | cut -d' ' -f2-)"
eq "nor does the reporter" '{"notifications":[],"next":0}' "$(api "$kVendor" GET /notifications | cut -d' ' -f2-)"
eq "bad paging arguments: 400" "400 400" \
  "$(api "$kAcme" GET '/notifications?limit=0' | cut -d' ' -f1) $(api "$kAcme" GET '/notifications?after=-1' | cut -d' ' -f1)"

# ---- nothing for rejected objects, nothing once the entry is gone -------------------
r=$(post "$kVendor" '{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000009","pattern":"[ipv4-addr:value = '"'"'198.51.100.90'"'"']"}')
eq "an invalid report is refused" 1 "$(jq .failure_count <<<"$r")"
eq "... and notifies nobody" 4 "$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq '.notifications | length')"
eq "the owner removes its network" 200 "$(api "$kAcme" DELETE "/watch/$net_id" | cut -d' ' -f1)"
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000005 2026-01-01T00:00:00Z 198.51.100.91 $GREEN)" >/dev/null
eq "a later report in it notifies nobody" 4 "$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq '.notifications | length')"
# the brand and the domain, through an import by another process
printf 'acmebank-login.com\nportal.acme-corp.com\n' >"$TMP/list.txt"
"$VIGIE" import --as Vendor --tlp green "$TMP/list.txt" >/dev/null
check "an import by another process is delivered by the server" wait_got 6
eq "brand and subdomain rules" "brand subdomain" \
  "$(tail -n 2 "$TMP/recv/got" | jq -r .notification.rule | sort | paste -sd' ')"
check "no delivery ever had a bad signature" test ! -e "$TMP/recv/bad"

# ---- the owner's live stream: `event: notification`, resumable exactly -------------
follow() { VIGIE_KEY=$1 timeout 20 "$VIGIE" follow "http://127.0.0.1:$PORT" "${@:2}"; }
nAcme=$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq '.notifications | length')
# Acme may see 4 events now: the second and the fifth reports and the 2
# imported values (the first was tightened to RED: none of its versions
# reaches it any more), and its notifications
total=$((4 + nAcme))
follow "$kAcme" --from 0 --max-events "$total" >"$TMP/s_raw"
jq -c '{id, event, n: .data.id}' "$TMP/s_raw" >"$TMP/s_all"
eq "the owner's stream carries its $nAcme notifications" "$nAcme" "$(grep -c '"event":"notification"' "$TMP/s_all")"
eq "... each right after its event, in the owner's order" "$(seq 1 "$nAcme" | paste -sd' ')" \
  "$(jq -r 'select(.event == "notification") | .n' "$TMP/s_all" | paste -sd' ')"
eq "... the hidden ones say only the asset and the time" 3 \
  "$(jq -c 'select(.event == "notification") | .data | keys' "$TMP/s_raw" | grep -c '^\["asset","id","message","time"\]$')"
check "... and nothing of the object" bash -c "! grep notification '$TMP/s_raw' | grep -q '198.51.100.7[79]'"
check "another organisation's stream has none" bash -c \
  "! VIGIE_KEY=$kOther timeout 3 '$VIGIE' follow http://127.0.0.1:$PORT --from 0 2>/dev/null | grep -q notification"
# resume from every position: exactly what followed it
resumed_ok=1
for i in $(seq 1 $((total - 1))); do
  id=$(sed -n "${i}p" "$TMP/s_all" | jq -r .id)
  want=$(tail -n +$((i + 1)) "$TMP/s_all")
  got=$(follow "$kAcme" --from "$id" --max-events $((total - i)) | jq -c '{id, event, n: .data.id}')
  [ "$got" = "$want" ] || { resumed_ok=0; echo "# resume after line $i differs"; }
done
eq "resuming from any position gives exactly what followed it" 1 "$resumed_ok"

# A version its contributor deletes shows nothing more either.
ind2=indicator--00000000-0000-4000-8000-000000000002
eq "before: the second notification shows its report" "$ind2" \
  "$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq -r '.notifications[1].object.id')"
curl -s -o /dev/null -X DELETE -H "Accept: $T" -H "Authorization: Bearer $kVendor" \
  "http://127.0.0.1:$PORT/taxii2/root/collections/$cid/objects/$ind2/"
eq "once deleted, the notification says only the asset and the time" \
  '["asset","id","message","time","webhook"]' \
  "$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq -c '.notifications[1] | keys')"
check "... nothing of it remains" bash -c \
  "! curl -s -H 'Authorization: Bearer $kAcme' $A/notifications | grep -q '$ind2'"

kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true

# Certificates are verified: without the receiver's CA the delivery fails,
# and the failure is recorded.
# Retries are quick here (webhook.retry_base_ms), so that giving up can be
# seen: 8 attempts, each retry at least twice as late as the one before.
rm -f "$TMP/serve.out" # start_server waits for a new "listening" line
echo '{"webhook": {"retry_base_ms": 20, "timeout_s": 2}}' >"$TMP/fast.json"
start_server --config "$TMP/fast.json"
A=http://127.0.0.1:$PORT/api/v1
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000006 2026-01-01T00:00:00Z 198.51.100.92 $GREEN)" >/dev/null
"$VIGIE" watch add --org Acme network 198.51.100.0/24 >/dev/null
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000007 2026-01-01T00:00:00Z 198.51.100.93 $GREEN)" >/dev/null
last=$(api "$kAcme" GET /notifications | cut -d' ' -f2- | jq '.notifications[-1].id')
tls_refused() {
  for _ in $(seq 1 300); do
    "$VIGIE" watch deliveries --org Acme "$last" --json | jq -e 'length > 0 and .[0].status == 0' \
      >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
check "an unknown certificate refuses the delivery" tls_refused
eq "... recorded with the reason" 1 \
  "$("$VIGIE" watch deliveries --org Acme "$last" --json | jq '[.[] | select(.error | test("certificate|SSL"; "i"))] | length')"
eq "... and the receiver got nothing" 6 "$(wc -l <"$TMP/recv/got")"
gave_up() {
  for _ in $(seq 1 600); do
    [ "$(api "$kAcme" GET "/notifications?after=$((last - 1))" | cut -d' ' -f2- |
      jq -r '.notifications[0].webhook.state')" = failed ] && return 0
    sleep 0.1
  done
  return 1
}
check "after 8 refused attempts the delivery is given up" gave_up
d=$("$VIGIE" watch deliveries --org Acme "$last" --json)
eq "... all 8 recorded" 8 "$(jq length <<<"$d")"
gaps=$(jq -r '.[].time' <<<"$d" | python3 -c '
import sys, datetime
t = [datetime.datetime.strptime(l.strip(), "%Y-%m-%dT%H:%M:%S.%fZ") for l in sys.stdin]
print(all((t[i] - t[i - 1]).total_seconds() >= 0.020 * 2 ** (i - 1) for i in range(1, len(t))))')
eq "... backoff: attempt k+1 at least 20 ms x 2^(k-1) after attempt k" True "$gaps"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true

# ---- a silent receiver holds up only its own organisation's deliveries ----------
# Other's webhook points at a port that accepts connections and never answers
# (the TLS handshake waits for the 5 s timeout); Acme's report, made just after
# Other's, must reach Acme's receiver while Other's first attempt is still out.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
' "$TMP/bh.port" &
BH_PID=$!
trap 'kill $RECV_PID $BH_PID ${SERVER_PID:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 200); do [ -s "$TMP/bh.port" ] && break; sleep 0.05; done
"$VIGIE" watch add --org Other network 203.0.113.0/24 >/dev/null
"$VIGIE" watch webhook --org Other "https://127.0.0.1:$(cat "$TMP/bh.port")/hook" >/dev/null
rm -f "$TMP/serve.out"
start_server --config "$TMP/vigie.json"
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000008 2026-01-01T00:00:00Z 203.0.113.5 $GREEN)" >/dev/null
post "$kVendor" "$(ind 00000000-0000-4000-8000-000000000009 2026-01-01T00:00:00Z 198.51.100.94 $GREEN)" >/dev/null
check "Acme's webhook arrives though Other's receiver is silent" wait_got 7
onote=$(curl -s -H "Authorization: Bearer $kOther" "http://127.0.0.1:$PORT/api/v1/notifications" |
  jq '.notifications[-1].id')
eq "... while Other's first attempt is still waiting for an answer" 0 \
  "$("$VIGIE" watch deliveries --org Other "$onote" --json | jq length)"
eq "... Acme's is the report made after Other's" 198.51.100.94 \
  "$(sed -n 7p "$TMP/recv/got" | jq -r .notification.observable.value)"
kill "$SERVER_PID" "$BH_PID"
wait "$SERVER_PID" 2>/dev/null || true
check "the hub passes its integrity check" "$VIGIE" check
finish
