// SPDX-License-Identifier: Apache-2.0
// bench/stream.mjs - N subscribers on /api/v1/stream while a writer POSTs
// objects at a fixed rate; optionally every subscriber is cut and resumes
// with Last-Event-ID half-way ("reconnect storm").  Prints one JSON line:
// posted, delivered, lost, duplicated, latency p50/p99/max (from the POST
// being sent to the event arriving, so an upper bound), achieved rate.
// Node's standard library only.
import http from 'node:http';

const [base, subKey, writerKey, collection, nSubs, rate, seconds, storm] = process.argv.slice(2);
const N = Number(nSubs), R = Number(rate), S = Number(seconds), STORM = storm === 'storm';
const T = 'application/taxii+json;version=2.1';
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms
const lat = [];
let posted = 0;

class Sub {
  constructor() { this.seen = new Set(); this.dups = 0; this.last = null; this.buf = ''; this.connect(); }
  connect() {
    const headers = { Authorization: `Bearer ${subKey}`, Accept: 'text/event-stream' };
    if (this.last) headers['Last-Event-ID'] = this.last;
    this.req = http.get(`${base}/api/v1/stream`, { headers, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => this.feed(chunk));
      res.on('error', () => {});
    });
    this.req.on('error', () => {});
  }
  cut() { this.req.destroy(); this.buf = ''; this.connect(); }
  feed(chunk) {
    this.buf += chunk;
    let i;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const ev = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const id = /^id: (.*)$/m.exec(ev);
      const m = /"name":"b([0-9.]+)-(\d+)"/.exec(ev);
      if (!id || !m) continue;
      this.last = id[1];
      if (this.seen.has(m[2])) { this.dups++; continue; }
      this.seen.add(m[2]);
      lat.push(now() - Number(m[1]));
    }
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(objects) {
  const body = JSON.stringify({ objects });
  return new Promise((resolve) => {
    const req = http.request(`${base}/taxii2/root/collections/${collection}/objects/`, {
      method: 'POST', agent,
      headers: { Accept: T, 'Content-Type': T, Authorization: `Bearer ${writerKey}` },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const subs = [];
for (let i = 0; i < N; i++) subs.push(new Sub());
await new Promise((r) => setTimeout(r, 1500 + N)); // let them connect
const tick = 50, per = Math.max(1, Math.round((R * tick) / 1000));
const t0 = now();
let k = 0, cut = false;
while (now() - t0 < S * 1000) {
  const start = now(), objs = [];
  for (let j = 0; j < per; j++, k++) {
    const u = `${String(k).padStart(8, '0')}`;
    objs.push({ type: 'indicator', spec_version: '2.1', id: `indicator--${u}-0000-4000-8000-${String(Date.now() % 1e12).padStart(12, '0')}`,
      created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z', name: `b${start.toFixed(3)}-${k}`,
      pattern: `[ipv4-addr:value = '10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}']`, pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00Z', object_marking_refs: ['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487'] });
  }
  if ((await post(objs)) === 202) posted += per;
  if (STORM && !cut && now() - t0 > (S * 1000) / 2) { cut = true; for (const s of subs) s.cut(); }
  const wait = tick - (now() - start);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
const elapsed = (now() - t0) / 1000;
await new Promise((r) => setTimeout(r, 3000)); // drain
let delivered = 0, lost = 0, dups = 0;
for (const s of subs) { delivered += s.seen.size; lost += Math.max(0, posted - s.seen.size); dups += s.dups; }
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1) : 'n/a');
console.log(JSON.stringify({ subscribers: N, target_rate: R, achieved_rate: Math.round(posted / elapsed), posted,
  delivered, lost, duplicated: dups, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1), storm: STORM }));
process.exit(0);
