// SPDX-License-Identifier: Apache-2.0
// bench/taxii_pager.mjs URL KEY - page through a TAXII 2.1 collection's
// objects with limit=1000 over one keep-alive connection, following `next`;
// prints "<objects> <seconds>".  Node's standard library only.
import http from 'node:http';

const [url, key] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const T = 'application/taxii+json;version=2.1';

function get(u) {
  return new Promise((resolve, reject) => {
    http.get(u, { agent, headers: { Accept: T, Authorization: `Bearer ${key}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
    }).on('error', reject);
  });
}

const t0 = process.hrtime.bigint();
let n = 0;
let next = null;
for (;;) {
  const page = await get(`${url}?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`);
  n += (page.objects || []).length;
  if (!page.more) break;
  next = page.next;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${n} ${secs.toFixed(2)}`);
agent.destroy();
