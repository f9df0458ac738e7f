#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Logs and their expected hits for tests/cli/match.sh.

   match_logs.py DIR

Writes DIR/indicators.txt (one value a line, imported as a plain list), one
log file per format (DIR/<format>.log) and DIR/expected.tsv: for every log
line, the hits an exact join of the fields this script put there gives -
line, text, indicator, rule - computed here with Python's ipaddress module
and plain set look-ups, independently of the scanner.  Fields that carry no
indicator hold benign values (names under .example, addresses in
192.0.2.0/24) and near misses that must not match: 1.2.3.45 for 1.2.3.4,
notX for X, X.example.org for X, hashes inside longer hex runs."""
import ipaddress
import json
import os
import random
import sys

out = sys.argv[1]
rnd = random.Random(6)

domains = [f"mal{i}.{t}" for i, t in zip(range(120), ["com", "net", "org", "ru", "info"] * 24)]
domains += [f"deep{i}.cdn{i}.co.uk" for i in range(10)]
ips = [f"203.0.113.{i}" for i in range(1, 60)] + [f"1.2.3.{i}" for i in (4, 8, 15)]
cidrs = ["198.51.100.0/25", "198.51.100.128/26", "100.64.0.0/10", "100.64.1.0/24"]
urls = [f"http://drop{i}.biz/payload{i}.bin" for i in range(30)]
urls += [f"http://203.0.113.200/gate{i}.php" for i in range(3)]
hashes = [f"{i:02x}" * 32 for i in range(16, 26)]  # 64 hex digits each

with open(os.path.join(out, "indicators.txt"), "w") as f:
    for v in domains + ips + cidrs + urls + hashes:
        f.write(v + "\n")

dset, iset, uset, hset = set(domains), set(ips), set(urls), set(hashes)
nets = [ipaddress.ip_network(c) for c in cidrs]


def host_of(u):
    rest = u.split("://", 1)[1]
    return rest.split("/", 1)[0]


uhosts = {}
for u in urls:
    uhosts.setdefault(host_of(u), u)


def dom_hit(d):
    d = d.lower()
    labels = d.split(".")
    for k in range(len(labels) - 1):  # the most specific first, at least two labels
        s = ".".join(labels[k:])
        if s in dset:
            return s, "exact" if k == 0 else "subdomain"
    if d in uhosts:
        return uhosts[d], "url-host"
    return None


def ip_hit(a):
    if a in iset:
        return a, "exact"
    x = ipaddress.ip_address(a)
    inside = [n for n in nets if x in n]
    if inside:
        best = max(inside, key=lambda n: n.prefixlen)
        return str(best), "in-range"
    if a in uhosts:
        return uhosts[a], "url-host"
    return None


def url_hit(u):
    if u in uset:
        return u, "exact"
    h = host_of(u)
    if h.replace(".", "").isdigit():
        return ip_hit(h)
    return dom_hit(h)


def pick_domain():
    r = rnd.random()
    d = rnd.choice(domains)
    if r < 0.3:
        return d
    if r < 0.5:
        return "www." + d
    if r < 0.6:
        return "a.b." + d.upper()
    if r < 0.7:
        return "not" + d  # near miss
    if r < 0.8:
        return d + ".example.org"  # near miss: a host of example.org
    if r < 0.85:
        return rnd.choice(list(uhosts))
    return f"host{rnd.randrange(1000)}.benign.example"


def pick_ip():
    r = rnd.random()
    if r < 0.25:
        return rnd.choice(ips)
    if r < 0.35:
        return f"198.51.100.{rnd.randrange(0, 192)}"
    if r < 0.45:
        return f"100.64.{rnd.randrange(0, 4)}.{rnd.randrange(1, 255)}"
    if r < 0.5:
        return "203.0.113.200"
    if r < 0.6:
        return "1.2.3.45"  # near miss of 1.2.3.4
    if r < 0.65:
        return "198.51.100.200"  # outside both /25 and /26
    return f"192.0.2.{rnd.randrange(1, 255)}"


def pick_url():
    r = rnd.random()
    if r < 0.4:
        return rnd.choice(urls)
    if r < 0.6:
        return f"http://{rnd.choice(list(uhosts))}/other{rnd.randrange(9)}.html"
    if r < 0.75:
        return f"http://{pick_domain().lower()}/index.html"
    return f"http://site{rnd.randrange(99)}.benign.example/x?y=1"


def pick_hash():
    r = rnd.random()
    h = rnd.choice(hashes)
    if r < 0.5:
        return h
    if r < 0.7:
        return "a" + h  # 65 hex digits: no hash
    return "%064x" % rnd.getrandbits(256)


expected = []
logs = {}


def line(fmt, text, fields):
    """fields: (kind, value) the line carries, in any order."""
    lines = logs.setdefault(fmt, [])
    lines.append(text)
    n = len(lines)
    for kind, v in fields:
        h = {"domain": dom_hit, "ip": ip_hit, "url": url_hit,
             "hash": lambda x: (x.lower(), "exact") if x.lower() in hset else None}[kind](v)
        if h:
            expected.append((fmt, n, v, h[0], h[1]))


ts = 1700000000.0
for i in range(400):
    ts += 0.37
    src, dst, q, a = pick_ip(), pick_ip(), pick_domain(), pick_ip()
    u, h = pick_url(), pick_hash()
    uid = "C%016x" % rnd.getrandbits(64)
    line("zeek-dns", f"{ts:.6f}\t{uid}\t{src}\t53124\t{dst}\t53\tudp\t4242\t0.010\t{q}\t1\t"
         f"C_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t{a},192.0.2.9\t300.000000,60.000000\tF",
         [("ip", src), ("ip", dst), ("domain", q), ("ip", a)])
    host = pick_domain()
    line("zeek-http", f"{ts:.6f}\t{uid}\t{src}\t50000\t{dst}\t80\t1\tGET\t{host}\t/index.php\t"
         f"{u}\t1.1\tMozilla/5.0 (Windows NT 10.0; Win64; x64)\t-\t0\t1024\t200\tOK",
         [("ip", src), ("ip", dst), ("domain", host), ("url", u)])
    line("zeek-conn", f"{ts:.6f}\t{uid}\t{src}\t44321\t{dst}\t443\ttcp\tssl\t1.5\t100\t2000\t"
         f"SF\tT\tF\t0\tShADadFf\t10\t600\t12\t2600\t-", [("ip", src), ("ip", dst)])
    line("zeek-json", json.dumps({"ts": ts, "uid": uid, "id.orig_h": src, "id.resp_h": dst,
                                  "query": q, "answers": [a]}),
         [("ip", src), ("ip", dst), ("domain", q), ("ip", a)])
    line("suricata-eve", json.dumps({"timestamp": "2023-11-14T22:13:20.000000+0000",
                                     "event_type": "http", "src_ip": src, "dest_ip": dst,
                                     "http": {"hostname": host, "url": "/x/y.php?id=1",
                                              "http_user_agent": "curl/7.88.1"},
                                     "fileinfo": {"sha256": h}}),
         [("ip", src), ("ip", dst), ("domain", host), ("hash", h)])
    line("squid", f"{ts:.3f}    245 {src} TCP_MISS/200 5120 GET {u} - HIER_DIRECT/{dst} "
         f"application/octet-stream", [("ip", src), ("url", u), ("ip", dst)])
    line("apache", f'{src} - - [14/Nov/2023:22:13:20 +0000] "GET /index.html HTTP/1.1" 200 512 '
         f'"{u}" "Mozilla/5.0 (X11; Linux x86_64)"', [("ip", src), ("url", u)])
    line("bind", f"14-Nov-2023 22:13:20.123 queries: info: client @0x7f3c {src}#53211 ({q}): "
         f"query: {q} IN A +E(0)K (192.0.2.1)", [("ip", src), ("domain", q), ("domain", q)])
    line("syslog", f"Nov 14 22:13:20 gw dnsmasq[812]: reply {q} is {a}",
         [("domain", q), ("ip", a)])
    line("csv", f"2023-11-14T22:13:20Z,allow,{src},{dst},{q},{h}",
         [("ip", src), ("ip", dst), ("domain", q), ("hash", h)])

for fmt, lines in logs.items():
    with open(os.path.join(out, fmt + ".log"), "w") as f:
        f.write("\n".join(lines) + "\n")
with open(os.path.join(out, "expected.tsv"), "w") as f:
    for fmt, n, text, ind, rule in sorted(expected, key=lambda e: (e[0], e[1], e[2], e[3], e[4])):
        f.write(f"{fmt}.log\t{n}\t{text}\t{ind}\t{rule}\n")
