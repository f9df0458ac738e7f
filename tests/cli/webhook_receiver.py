#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A webhook receiver for tests/cli/watch.sh, verifying as a partner would.

webhook_receiver.py DIR CERT KEY FAIL_FIRST

Listens on 127.0.0.1 (HTTPS with CERT/KEY), writes its port to DIR/port.
Reads the webhook secret from DIR/secret when a request comes.  Each POST:
the X-Vigie-Signature header "t=T,sha256=HEX" must carry HEX =
HMAC-SHA-256(secret, "T." + raw body), compared in constant time, with T
within 300 s of now; otherwise 401 and a line in DIR/bad.  The first
FAIL_FIRST valid deliveries are answered 500 (to make the hub retry); the
others 200, each body appended as one line to DIR/got.  Every request is
logged in DIR/log as "status delivery-header".
"""
import hashlib
import hmac
import http.server
import os
import ssl
import sys
import time

DIR, CERT, KEY, FAIL_FIRST = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
state = {"valid": 0}


def verify(header, body, secret):
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, sig = parts.get("t", ""), parts.get("sha256", "")
    if not t.isdigit() or abs(time.time() - int(t)) > 300:
        return False
    want = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(DIR, "secret")) as f:
            secret = f.read().strip()
        if not verify(self.headers.get("X-Vigie-Signature", ""), body, secret):
            status = 401
            with open(os.path.join(DIR, "bad"), "ab") as f:
                f.write(body + b"\n")
        else:
            state["valid"] += 1
            status = 500 if state["valid"] <= FAIL_FIRST else 200
            if status == 200:
                with open(os.path.join(DIR, "got"), "ab") as f:
                    f.write(body + b"\n")
        with open(os.path.join(DIR, "log"), "a") as f:
            f.write("%d %s\n" % (status, self.headers.get("X-Vigie-Delivery", "")))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
