#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stream's shared window of recent events against the store's reads
# (docs/stream.md): two servers on one hub, one with the window (W) and one
# without (S, every subscriber reads the store), answer the same
# subscriptions - every filter, two partners, notifications, versions that
# tighten or widen an object, deletions of a later version - with the same
# bytes, whether they start before the window (W reads the store, then joins
# the window) or inside it.  Then policy at send time from the window: a
# version already in the window is not sent once a later one hides it, and
# a partner leaving a group stops receiving from it.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
T="application/taxii+json;version=2.1"
"$VIGIE" init --name op >/dev/null
for o in A B C; do "$VIGIE" org add $o --kind vendor >/dev/null; done
for g in g h; do "$VIGIE" group add $g >/dev/null; done
"$VIGIE" group members g --add A >/dev/null
"$VIGIE" group members g --add B >/dev/null
"$VIGIE" group members h --add A >/dev/null
"$VIGIE" group members h --add C >/dev/null
key() { "$VIGIE" key create --org "$1" --scopes read,write --json | jq -r .secret; }
kA=$(key A) kB=$(key B) kC=$(key C)
feed=$("$VIGIE" collection add feed --read community --write org:A --json | jq -r .id)
other=$("$VIGIE" collection add other --read community --write org:A --json | jq -r .id)
"$VIGIE" watch add --org B network 198.18.7.0/24 >/dev/null
"$VIGIE" watch add --org C network 198.18.7.0/26 >/dev/null

n=0
imp() { # imp VALUE [import options...]: one observable as a plain list
  n=$((n + 1))
  echo "$1" >"$TMP/v$n.txt"
  "$VIGIE" import --as A "${@:2}" "$TMP/v$n.txt" >/dev/null 2>&1
}
ind() { # ind N MODIFIED TLP [options...]: an indicator (ipv4 198.18.3.N) with versions
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00Z","modified":"%s","pattern":"[ipv4-addr:value = '"'"'198.18.3.%d'"'"']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}' \
    "$1" "$2" "$1" >"$TMP/i$1.json"
  "$VIGIE" import --as A --tlp "$3" "${@:4}" "$TMP/i$1.json" >/dev/null 2>&1
}
workload() { # workload TAG: every kind of event the filters and the policy tell apart
  local t=$1
  imp "198.18.1.$t" --tlp clear --collection feed --label emotet
  imp "evil-$t.com" --tlp green --collection other --label qakbot
  imp "$(printf '%064d' "$t")" --tlp amber --group g --collection feed
  imp "http://198.18.2.$t/x" --tlp amber --group h --collection feed --label emotet
  imp "198.18.7.$t" --tlp clear --collection feed                   # notifies B and C
  imp "198.18.7.$((t + 100))" --tlp red --share-with B --collection feed # notifies B
  imp "198.18.4.$t" --tlp red --collection other                    # A's alone
}

workload 1 # before the servers: W reads these from the store
ind 1 2026-01-01T00:00:00Z clear --collection feed
start2() { # start2 NAME CONFIG: a server on a free port, its port in ${NAME}_PORT
  "$VIGIE" serve --listen 127.0.0.1:0 --config "$2" >"$TMP/$1.out" 2>"$TMP/$1.log" &
  eval "${1}_PID=$!"
  for _ in $(seq 1 1200); do grep -q listening "$TMP/$1.out" 2>/dev/null && break; sleep 0.05; done
  eval "${1}_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/$1.out")"
}
echo '{"stream": {"heartbeat_s": 1}}' >"$TMP/w.json"
echo '{"stream": {"heartbeat_s": 1, "window_events": 0}}' >"$TMP/s.json"
start2 W "$TMP/w.json"
start2 S "$TMP/s.json"
trap 'kill ${W_PID:-} ${S_PID:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
[ -n "$W_PORT" ] && [ -n "$S_PORT" ] || { not_ok "both servers started"; finish; exit 1; }
sleep 0.5 # the window starts at the head

# while the window holds them: more of everything, and objects that change
workload 2
ind 1 2026-02-01T00:00:00Z amber --group g --collection feed # tightened: C loses every version
ind 2 2026-01-01T00:00:00Z red --collection feed
ind 2 2026-02-01T00:00:00Z clear --collection feed # widened: everyone, this version
ind 3 2026-01-01T00:00:00Z clear --collection feed
ind 3 2026-02-01T00:00:00Z red --collection feed # hides the first from B and C...
ind 4 2026-01-01T00:00:00Z clear --collection other
workload 3
ind 4 2026-02-01T00:00:00Z amber --group h --collection other # tightened in the window: B loses it
del() { # del ID MODIFIED: A deletes one version
  curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Accept: $T" -H "Authorization: Bearer $kA" \
    "http://127.0.0.1:$W_PORT/taxii2/root/collections/$feed/objects/$1/?match%5Bversion%5D=$2"
}
eq "a later version deleted" 200 "$(del indicator--00000003-0000-4000-8000-000000000000 2026-02-01T00:00:00.000Z)"
workload 4 # ... until that one is deleted: then it is an event again

# the same subscriptions on both servers, from the start and from the middle
subs=("" "types=indicator" "kinds=ipv4" "kinds=domain,sha256" "max_tlp=green" "max_tlp=amber"
  "collections=$feed" "collections=$other" "labels=emotet" "labels=qakbot,emotet"
  "types=indicator&kinds=url&max_tlp=amber&labels=emotet")
get() { # get PORT KEY QUERY [LAST-EVENT-ID] > file: the stream until it is idle, no comments
  curl -sN --max-time 3 -H "Authorization: Bearer $2" ${4:+-H "Last-Event-ID: $4"} \
    "http://127.0.0.1:$1/api/v1/stream?$3" | grep -v '^:' || true
}
i=0
pids=()
waitall() { [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"; pids=(); } # not the servers
for k in A B C; do
  eval "key=\$k$k"
  for q in "${subs[@]}" "groups=g" "groups=h"; do
    [ "$k$q" = "Bgroups=h" ] || [ "$k$q" = "Cgroups=g" ] && continue
    i=$((i + 1))
    get "$W_PORT" "$key" "from=0&$q" >"$TMP/w$i" &
    pids+=($!)
    get "$S_PORT" "$key" "from=0&$q" >"$TMP/s$i" &
    pids+=($!)
    echo "$k $q" >"$TMP/q$i"
    [ -n "$q" ] || eval "all$k=$i" # the unfiltered one
  done
  waitall
done
same=0 events=0
for j in $(seq 1 "$i"); do
  if cmp -s "$TMP/w$j" "$TMP/s$j"; then
    same=$((same + 1))
  else
    not_ok "window and store differ for $(cat "$TMP/q$j")"
    diff "$TMP/w$j" "$TMP/s$j" | head -10 || true
  fi
  events=$((events + $(grep -c '^id: ' "$TMP/w$j" || true)))
done
eq "from the start: the window sends what the store sends, byte for byte ($i subscriptions)" "$i" "$same"
check "... and those are many events ($events)" test "$events" -gt 200
check "... the notifications among them" grep -q '^event: notification' "$TMP/w$allB"
check "... and the deletion" grep -q '^event: deleted' "$TMP/w$allA"
check "W read the window" grep -q 'reads the window' "$TMP/W.log"
check "S never did" bash -c "! grep -q 'reads the window' '$TMP/S.log'"
ids() { grep -o 'indicator--0000000[0-9]' "$1" | sort | uniq -c | xargs; }
eq "C: neither version of an object tightened to g, the widened one's clear version" \
  "1 indicator--00000002 1 indicator--00000003 2 indicator--00000004" "$(ids "$TMP/w$allC")"
eq "B: neither version of the object tightened to h inside the window" \
  "2 indicator--00000001 1 indicator--00000002 1 indicator--00000003" "$(ids "$TMP/w$allB")"

# from every position of the middle (events and notifications), inside the window
# B's ids after the first one inside the window, and the ones around notifications
mids=$( (grep '^id: ' "$TMP/w$allB" | sed -n "20,\$p" | awk 'NR % 7 == 1'
  grep -B2 '^event: notification' "$TMP/w$allB" | grep '^id: ') | cut -c5- | sort -u)
same=0 m=0
for id in $mids; do
  m=$((m + 1))
  get "$W_PORT" "$kB" "" "$id" >"$TMP/wm$m" &
  pids+=($!)
  get "$S_PORT" "$kB" "" "$id" >"$TMP/sm$m" &
  pids+=($!)
done
waitall
for j in $(seq 1 "$m"); do cmp -s "$TMP/wm$j" "$TMP/sm$j" && same=$((same + 1)); done
eq "from the middle: the same ($m positions)" "$m" "$same"
check "... one of them a notification's" bash -c \
  "grep -B2 '^event: notification' '$TMP/w$allB' | grep '^id: ' | cut -c5- | grep -qxF -f <(echo '$mids' | tr ' ' '\n')"

# --- policy at send time from the window
# B stalls (reads nothing) after an event; a version that hides from B what is
# after it then arrives: B, reading on, never gets what it hid.
pos=$(grep '^id: ' "$TMP/w$allB" | tail -1 | cut -c5-)
ind 5 2026-01-01T00:00:00Z clear --collection feed
ind 6 2026-01-01T00:00:00Z clear --collection feed
ind 5 2026-02-01T00:00:00Z red --collection feed
sleep 0.5
get "$W_PORT" "$kB" "" "$pos" >"$TMP/w_tight"
eq "a version in the window, hidden by a later one: not sent" \
  "1 indicator--00000006" "$(ids "$TMP/w_tight")"
check "... read from the window" grep -q "reads the window" "$TMP/W.log"
"$VIGIE" group members g --remove B >/dev/null
sleep 1.2 # keys and groups are checked again every second
get "$W_PORT" "$kB" "" "$pos" >"$TMP/w_after"
get "$S_PORT" "$kB" "" "$pos" >"$TMP/s_after"
eq "out of the group, from the window as from the store" "$(cat "$TMP/s_after")" "$(cat "$TMP/w_after")"
get "$W_PORT" "$kB" "from=0" >"$TMP/w_all"
get "$S_PORT" "$kB" "from=0" >"$TMP/s_all"
check "B's whole history now, window and store alike" cmp -s "$TMP/w_all" "$TMP/s_all"
check "... without the group's events" bash -c "! grep -q '0000000000000000000000000000000000000000000000000000000000000002' '$TMP/w_all'"

# --- a waiting subscriber is woken only by what it may be sent
# B follows the collection `other` from now on both servers; events of
# `feed` pass W's notifier without waking it (counted in /metrics), and it
# still gets its heartbeats, a notification caused by an event its filter
# excludes, and then its own event: the same as S, whose subscribers read
# the store on every commit.
kM=$("$VIGIE" key create --org A --scopes read,admin --json | jq -r .secret)
passes() {
  curl -s -H "Authorization: Bearer $kM" "http://127.0.0.1:$W_PORT/metrics" |
    awk '$1 == "vigie_stream_passes_total" { print $2 }'
}
live() { # live PORT > file: B's stream of `other` from now, comments included
  curl -sN --max-time 5 -H "Authorization: Bearer $kB" \
    "http://127.0.0.1:$1/api/v1/stream?collections=$other" || true
}
live "$W_PORT" >"$TMP/w_live" &
lw=$!
live "$S_PORT" >"$TMP/s_live" &
ls=$!
sleep 0.5 # both connected and waiting at the head
p0=$(passes)
for t in 21 22 23; do imp "198.18.1.$t" --tlp clear --collection feed; done
sleep 1.5 # a heartbeat falls due (every second here) while nothing is for B
p1=$(passes)
imp "198.18.7.24" --tlp clear --collection feed # not in B's filter, but notifies B
imp "198.18.1.25" --tlp clear --collection other
wait $lw $ls || true
check "events outside the filter passed the waiting subscriber without waking it ($p0 -> $p1)" \
  test "$p1" -gt "$p0"
check "... which still got its heartbeats" grep -q '^: keep-alive' "$TMP/w_live"
eq "... then the notification and its own event" "notification added" \
  "$(grep '^event: ' "$TMP/w_live" | cut -c8- | xargs)"
# (heartbeats, a comment and a blank line each, come as the clocks fall)
eq "... as from the store" "$(grep -v -e '^:' -e '^$' "$TMP/s_live")" \
  "$(grep -v -e '^:' -e '^$' "$TMP/w_live")"
last=$(grep '^id: ' "$TMP/w_live" | sed -n 1p | cut -c5-)
get "$W_PORT" "$kB" "collections=$other" "$last" >"$TMP/w_resume"
eq "... and a resume after the notification gives the event once" "198.18.1.25" \
  "$(grep -o '198\.18\.1\.25' "$TMP/w_resume" | sort -u)"
eq "... once" 1 "$(grep -c '^id: ' "$TMP/w_resume")"


# --- a waiting subscriber that is never woken by events (its filter
# excludes them all) and whose client leaves is still let go within about
# a second, not at its next heartbeat (15 s by default here): the notifier
# looks at its connection when its key's check falls due
echo '{}' >"$TMP/h.json"
start2 H "$TMP/h.json"
trap 'kill ${W_PID:-} ${S_PID:-} ${H_PID:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
subscribers() {
  curl -s -H "Authorization: Bearer $kM" "http://127.0.0.1:$H_PORT/metrics" |
    awk '$1 == "vigie_stream_subscribers" { print $2 }'
}
curl -sN --max-time 1 -H "Authorization: Bearer $kB" \
  "http://127.0.0.1:$H_PORT/api/v1/stream?collections=$other" >/dev/null &
sleep 0.5
eq "a subscriber connected" 1 "$(subscribers)"
for t in 31 32 33 34 35 36; do imp "198.18.1.$t" --tlp clear --collection feed; done
for _ in $(seq 1 60); do [ "$(subscribers)" = 0 ] && break; sleep 0.1; done
eq "... gone with its client, though no event and no heartbeat woke it" 0 "$(subscribers)"
kill -TERM "$H_PID"
wait "$H_PID" || true

# --- nobody follows, nothing is read back: a server no subscriber has
# connected to does not load the window as objects arrive; the first
# subscriber gets what is committed after it connects, and the window
# loads from then on
start2 N "$TMP/h.json"
trap 'kill ${W_PID:-} ${S_PID:-} ${H_PID:-} ${N_PID:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
metric() {
  curl -s -H "Authorization: Bearer $kM" "http://127.0.0.1:$N_PORT/metrics" |
    awk -v m="$1" '$1 == m { print $2 }'
}
for t in 41 42 43; do imp "198.18.1.$t" --tlp clear --collection feed; done
sleep 0.5 # several of the notifier's periods
eq "no subscriber: the window is not loaded" 0 "$(metric vigie_stream_window_loads_total)"
curl -sN --max-time 3 -H "Authorization: Bearer $kB" \
  "http://127.0.0.1:$N_PORT/api/v1/stream?collections=$feed" >"$TMP/n_live" & # from the head
nl=$!
sleep 0.5
imp "198.18.1.44" --tlp clear --collection feed
wait $nl || true
check "a subscriber: it gets the object committed after it connected" grep -q '198\.18\.1\.44' "$TMP/n_live"
check "... and the window loads again" test "$(metric vigie_stream_window_loads_total)" -gt 0
kill -TERM "$N_PID"
wait "$N_PID" || true

kill -TERM "$W_PID" "$S_PID"
wait "$W_PID" || true
wait "$S_PID" || true
finish
