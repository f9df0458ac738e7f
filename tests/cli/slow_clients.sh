#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 1,000 slow-drip connections from one address (scenario 24): the per-address
# limit refuses the surplus, the server stays up, and a client from another
# address keeps being served.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$VIGIE" init --name op >/dev/null
"$VIGIE" serve --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/log" &
pid=$!
for _ in $(seq 1 400); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$port" ] || { cat "$TMP/out" "$TMP/log"; kill $pid; not_ok "server started"; finish; }

# 1,000 connections from 127.0.0.1, each sending half a request line, slowly.
python3 - "$port" >"$TMP/slow" 2>&1 <<'PY' &
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 2048), hard), hard))
port = int(sys.argv[1])
socks, refused = [], 0
for _ in range(1000):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        s.send(b"GET /api/v1/health HTT")
        socks.append(s)
    except OSError:
        refused += 1
time.sleep(3)
alive = 0
for s in socks:
    try:
        s.send(b"P")
        alive += 1
    except OSError:
        pass
print(len(socks), refused, alive)
PY
slow=$!
sleep 1
code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "http://127.0.0.1:$port/api/v1/health" || true)
eq "another address is served while one address drips" 200 "$code"
wait $slow || true
echo "slow clients: connected, refused, still open after 3 s: $(cat "$TMP/slow")"
check "the slow clients were held to the per-address limit" \
  bash -c "grep -q . '$TMP/slow' && read -r held refused alive <'$TMP/slow' && [ \"\$alive\" -le 64 ]"
eq "the server is still up" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/health")"
kill -TERM $pid
wait $pid || true
finish
