#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Malformed framing and oversized headers (SCENARIOS 24): duplicate
# Content-Length with different values, Content-Length with
# Transfer-Encoding, an unknown Transfer-Encoding, oversized and too many
# headers.  Each gets its 4xx at once (no wait for a timeout), a request
# hidden in the body is never answered as one of its own (request
# smuggling), and a well-behaved client keeps being served throughout.
# Then a body that drips in too slowly is cut at its deadline.
source "$(dirname "$0")/lib/common.bash"
command -v curl >/dev/null || skip_all "curl not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$VIGIE" init --name op >/dev/null
start_server
U=http://127.0.0.1:$PORT

# A well-behaved client from another address, all along.
(
  while [ ! -e "$TMP/stop" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 --interface 127.0.0.2 "$U/api/v1/health" || echo fail
    sleep 0.05
  done
) >"$TMP/good" &
good=$!

python3 - "$PORT" >"$TMP/abuse" <<'PY'
import socket, sys
port = int(sys.argv[1])

def raw(data):
    """Send data, read until the server closes or stays quiet for 5 s."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        out += b"<timeout>"
    except OSError:
        pass
    s.close()
    return out

# A request hidden in the body: answered only if the framing is misread.
smug = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
P = b"POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\n"
cases = [
    ("duplicate Content-Length", P + b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(smug) + smug),
    ("duplicate Content-Length, larger first", P + b"Content-Length: %d\r\nContent-Length: 0\r\n\r\n" % len(smug) + smug),
    ("Content-Length then Transfer-Encoding", P + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smug),
    ("Transfer-Encoding then Content-Length", P + b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n" + smug),
    ("Transfer-Encoding gzip, chunked", P + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smug),
    ("Transfer-Encoding twice", P + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smug),
    ("a 200 KB header", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"),
    ("5,000 headers", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"),
    ("a 100 KB request line", b"GET /api/v1/health?" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("negative Content-Length", P + b"Content-Length: -1\r\n\r\n" + smug),
    ("Content-Length beyond 64 bits", P + b"Content-Length: 99999999999999999999999\r\n\r\n" + smug),
]
for name, data in cases:
    r = raw(data)
    status = r.split(b"\r\n", 1)[0].decode("latin-1") if r.startswith(b"HTTP/") else "none"
    code = status.split(" ")[1] if status != "none" else "none"
    smuggled = r.count(b'"status":"ok"')
    print("%s|%s|%d|%d" % (name, code, smuggled, b"<timeout>" in r))
PY
touch "$TMP/stop"
wait "$good" || true

while IFS='|' read -r name code smuggled timeout; do
  check "$name: a 4xx ($code)" bash -c "[[ '$code' =~ ^4[0-9][0-9]$ ]]"
  eq "$name: the hidden request is not served" 0 "$smuggled"
  eq "$name: answered and closed at once" 0 "$timeout"
done <"$TMP/abuse"
eq "duplicate Content-Length: 400" 400 "$(grep '^duplicate Content-Length|' "$TMP/abuse" | cut -d'|' -f2)"
eq "Content-Length with Transfer-Encoding: 400" 400 "$(grep '^Content-Length then' "$TMP/abuse" | cut -d'|' -f2)"
eq "a 200 KB header: 431" 431 "$(grep '^a 200 KB header' "$TMP/abuse" | cut -d'|' -f2)"
n=$(wc -l <"$TMP/good")
check "the other client was served meanwhile ($n requests)" test "$n" -gt 0
eq "... every time" "$n" "$(grep -c '^200$' "$TMP/good")"
eq "the server is still up" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/health")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true

# A body that drips in, one byte every half second - never idle long enough
# for the idle timeout - is cut at limits.body_timeout_s (here 2 s).
echo '{"limits": {"body_timeout_s": 2, "timeout_s": 30}}' >"$TMP/vigie.json"
start_server --config "$TMP/vigie.json"
python3 - "$PORT" >"$TMP/drip" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
sent, t0 = 0, time.time()
try:
    while sent < 100 and time.time() - t0 < 20:
        s.sendall(b"a")
        sent += 1
        time.sleep(0.5)
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                break
        except socket.timeout:
            pass
        s.settimeout(None)
except OSError:
    pass
print(sent)
PY
sent=$(cat "$TMP/drip")
check "a dripping body is cut before it is whole ($sent of 100 bytes sent)" test "$sent" -lt 100
eq "the server is still up" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/health")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
finish
