// SPDX-License-Identifier: Apache-2.0
// bench/stream.mjs CONFIG.json - N subscribers on /api/v1/stream while a
// writer POSTs objects at a fixed rate; optionally every subscriber is cut
// and resumes with Last-Event-ID half-way ("reconnect storm").  Prints one
// JSON line: posted, expected and delivered deliveries, lost, duplicated,
// latency p50/p99/max (from the object's POST being sent to the event
// arriving, so an upper bound: it holds that POST's ingest and commit),
// achieved rate.  Every 50 ms the writer POSTs one envelope per collection,
// one after the other; with stamp "tick" (the instrument before
// 2026-11-27 08:30 UTC) every object of a tick carries the tick's start
// instead, so that an object of the 4th envelope also counts the commits of
// the three before it.  After the writer stops, the subscribers
// drain until their deliveries stop growing for 2 s (at most 30 s): what
// is missing then is lost.  Node's standard library only.
//
// CONFIG: {base, writerKey, collections: [id...], rate, seconds, storm,
//   workers, client, stamp: "post" | "tick",
//   subs: [{key, collections: [i...] | null, kinds: [k...] | null}]}
// A subscriber with collections/kinds asks the server for those only
// (collections=..&kinds=..) and expects exactly the objects posted to those
// collections with those kinds.  Subscribers are spread over `workers`
// threads; the writer runs in the main thread.  With `client` (the path of
// bench/stream_sub, CLIENT=c in bench/stream) the subscribers are read by
// that C program instead (one epoll thread, the same counting, no JSON
// parse), the writer and the accounting staying here.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const KINDS = ['ipv4', 'domain', 'sha256', 'url'];
const BUCKET = 0.1; // ms per latency histogram bucket
const NBUCKETS = 600000; // up to 60 s
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms, one clock for all threads

function subscriberThread({ base, subs, collections }) {
  const hist = new Uint32Array(NBUCKETS);
  let maxLat = 0, lastAt = 0;
  class Sub {
    constructor(spec) {
      this.spec = spec;
      this.seen = new Uint32Array(1 << 12); // a bit per object number
      this.count = 0; this.dups = 0; this.last = null; this.buf = '';
      const q = [];
      if (spec.collections) q.push(`collections=${spec.collections.map((i) => collections[i]).join(',')}`);
      if (spec.kinds) q.push(`kinds=${spec.kinds.map((k) => KINDS[k]).join(',')}`);
      this.path = `/api/v1/stream${q.length ? '?' + q.join('&') : ''}`;
      this.connect();
    }
    connect() {
      const headers = { Authorization: `Bearer ${this.spec.key}`, Accept: 'text/event-stream' };
      if (this.last) headers['Last-Event-ID'] = this.last;
      this.req = http.get(`${base}${this.path}`, { headers, agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk) => this.feed(chunk));
        res.on('error', () => {});
      });
      this.req.on('error', () => {});
    }
    cut() { this.req.destroy(); this.buf = ''; this.connect(); }
    mark(k) {
      const w = k >>> 5, bit = 1 << (k & 31);
      if (w >= this.seen.length) {
        const s = new Uint32Array(Math.max(w + 1, this.seen.length * 2));
        s.set(this.seen);
        this.seen = s;
      }
      if (this.seen[w] & bit) { this.dups++; return false; }
      this.seen[w] |= bit;
      this.count++;
      return true;
    }
    feed(chunk) {
      let buf = this.buf + chunk, at = 0, i;
      while ((i = buf.indexOf('\n\n', at)) >= 0) {
        const ev = buf.slice(at, i);
        at = i + 2;
        if (!ev.startsWith('id: ')) continue;
        const n = ev.indexOf('"name":"b');
        if (n < 0) continue;
        const dash = ev.indexOf('-', n + 9), end = ev.indexOf('"', dash);
        const sent = Number(ev.slice(n + 9, dash)), k = Number(ev.slice(dash + 1, end));
        this.last = ev.slice(4, ev.indexOf('\n'));
        if (!this.mark(k)) continue;
        lastAt = now();
        const l = lastAt - sent;
        if (l > maxLat) maxLat = l;
        hist[Math.min(NBUCKETS - 1, Math.max(0, Math.floor(l / BUCKET)))]++;
      }
      this.buf = buf.slice(at);
    }
  }
  const list = subs.map((s) => new Sub(s));
  parentPort.on('message', (m) => {
    if (m === 'cut') for (const s of list) s.cut();
    if (m === 'report') {
      parentPort.postMessage({ hist, maxLat, lastAt, counts: list.map((s) => s.count), dups: list.reduce((a, s) => a + s.dups, 0) });
    }
  });
  parentPort.postMessage('ready');
}

if (!isMainThread) {
  subscriberThread(workerData);
} else {
  const C = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const { base, writerKey, collections, rate: R, seconds: S, storm: STORM } = C;
  const W = Math.max(1, C.workers || 1);
  const TICK_STAMP = C.stamp === 'tick';
  const T = 'application/taxii+json;version=2.1';
  const workers = [];
  if (C.client) { // one C process reads every stream: a "worker" that answers the same messages
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stream-sub-')), 'subs');
    const KIND = ['ipv4', 'domain', 'sha256', 'url'];
    fs.writeFileSync(file, C.subs.map((s) => {
      const q = [];
      if (s.collections) q.push(`collections=${s.collections.map((i) => collections[i]).join(',')}`);
      if (s.kinds) q.push(`kinds=${s.kinds.map((k) => KIND[k]).join(',')}`);
      return `${s.key} /api/v1/stream${q.length ? '?' + q.join('&') : ''}\n`;
    }).join(''));
    const child = spawn(C.client, [new URL(base).port, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pending = '', waiters = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      pending += d;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        const w = waiters.shift();
        if (!w) continue;
        if (line === 'ready') { w(line); continue; }
        const r = JSON.parse(line), hist = new Uint32Array(NBUCKETS);
        for (const [b, c] of r.hist) hist[b] = c;
        w({ hist, maxLat: r.maxLat, lastAt: r.lastAt, counts: r.counts, dups: r.dups });
      }
    });
    const worker = {
      once: (_, f) => waiters.push(f),
      postMessage: (m) => child.stdin.write(`${m}\n`),
    };
    await new Promise((r) => worker.once('message', r));
    workers.push({ worker, subs: C.subs });
  }
  for (let w = 0; w < (C.client ? 0 : W); w++) {
    const subs = C.subs.filter((_, i) => i % W === w);
    const worker = new Worker(new URL(import.meta.url), { workerData: { base, subs, collections } });
    await new Promise((r) => worker.once('message', r));
    workers.push({ worker, subs });
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (c, objects) => new Promise((resolve) => {
    const req = http.request(`${base}/taxii2/root/collections/${collections[c]}/objects/`, {
      method: 'POST', agent,
      headers: { Accept: T, 'Content-Type': T, Authorization: `Bearer ${writerKey}` },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(JSON.stringify({ objects }));
  });
  const pattern = (k) => {
    const x = `${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    switch (k % 4) {
      case 0: return `[ipv4-addr:value = '10.${x}']`;
      case 1: return `[domain-name:value = 'h${k}.example.com']`;
      case 2: return `[file:hashes.'SHA-256' = '${k.toString(16).padStart(64, '0')}']`;
      default: return `[url:value = 'http://u${k}.example.net/x']`;
    }
  };
  await new Promise((r) => setTimeout(r, 1500 + C.subs.length)); // let them connect
  const posted = collections.map(() => [0, 0, 0, 0]); // acknowledged, per collection and kind
  const tick = 50, per = Math.max(1, Math.round((R * tick) / 1000));
  const t0 = now();
  let k = 0, cut = false, total = 0;
  while (now() - t0 < S * 1000) {
    const start = now();
    const envs = collections.map(() => []);
    const kinds = collections.map(() => [0, 0, 0, 0]);
    for (let j = 0; j < per; j++, k++) {
      const c = Math.floor(k / 4) % collections.length;
      envs[c].push({ type: 'indicator', spec_version: '2.1', id: `indicator--${String(k).padStart(8, '0')}-0000-4000-8000-${String(Date.now() % 1e12).padStart(12, '0')}`,
        created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z', name: `b${start.toFixed(3)}-${k}`, k,
        pattern: pattern(k), pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z',
        object_marking_refs: ['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487'] });
      kinds[c][k % 4]++;
    }
    for (let c = 0; c < collections.length; c++) {
      if (!TICK_STAMP) { // the object's own POST is sent now
        const sent = now().toFixed(3);
        for (const o of envs[c]) o.name = `b${sent}-${o.k}`;
      }
      for (const o of envs[c]) delete o.k;
      if (envs[c].length && (await post(c, envs[c])) === 202) {
        for (let x = 0; x < 4; x++) posted[c][x] += kinds[c][x];
        total += envs[c].length;
      }
    }
    if (STORM && !cut && now() - t0 > (S * 1000) / 2) { cut = true; for (const w of workers) w.worker.postMessage('cut'); }
    const wait = tick - (now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const elapsed = (now() - t0) / 1000;
  // drain: until deliveries stop growing for 2 s (at most 30 s)
  const report = () => Promise.all(workers.map((w) => new Promise((r) => { w.worker.once('message', r); w.worker.postMessage('report'); })));
  let reps, last = -1, still = 0;
  for (let t = 0; t < 30 && still < 2; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    reps = await report();
    const got = reps.reduce((a, r) => a + r.counts.reduce((x, y) => x + y, 0), 0);
    still = got === last ? still + 1 : 0;
    last = got;
  }
  const hist = new Float64Array(NBUCKETS);
  let maxLat = 0, delivered = 0, expected = 0, lost = 0, dups = 0;
  for (const [wi, w] of workers.entries()) {
    const rep = reps[wi];
    for (let b = 0; b < NBUCKETS; b++) hist[b] += rep.hist[b];
    maxLat = Math.max(maxLat, rep.maxLat);
    dups += rep.dups;
    w.subs.forEach((s, i) => {
      let e = 0;
      for (let c = 0; c < collections.length; c++) {
        if (s.collections && !s.collections.includes(c)) continue;
        for (let x = 0; x < 4; x++) if (!s.kinds || s.kinds.includes(x)) e += posted[c][x];
      }
      expected += e;
      delivered += rep.counts[i];
      lost += Math.max(0, e - rep.counts[i]);
    });
  }
  const n = hist.reduce((a, b) => a + b, 0);
  const tEnd = Math.max(t0 + elapsed * 1000, ...reps.map((r) => r.lastAt)); // the last delivery
  const q = (p) => {
    let acc = 0;
    for (let b = 0; b < NBUCKETS; b++) if ((acc += hist[b]) > p * n) return ((b + 1) * BUCKET).toFixed(1);
    return 'n/a';
  };
  console.log(JSON.stringify({ subscribers: C.subs.length, target_rate: R, achieved_rate: Math.round(total / elapsed), posted: total,
    expected, delivered, deliveries_per_s: Math.round(delivered / ((tEnd - t0) / 1000)), lost, duplicated: dups,
    p50_ms: q(0.5), p99_ms: q(0.99), max_ms: maxLat.toFixed(1), storm: !!STORM }));
  process.exit(0);
}
