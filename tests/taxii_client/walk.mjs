// SPDX-License-Identifier: Apache-2.0
// The walk a TAXII 2.1 client makes through a server: discovery -> API root
// -> collections -> add objects -> poll status -> paged get -> manifest ->
// versions -> delete.  Usage: node walk.mjs URL USER PASSWORD COLLECTION-TITLE
// Prints TAP-ish "ok"/"not ok" lines; exits non-zero on any failure.
import { Client } from './client.mjs';

const [url, user, password, title] = process.argv.slice(2);
const c = new Client(user, password);
let fails = 0;
const ok = (cond, what) => { console.log(`${cond ? 'ok' : 'not ok'} - ${what}`); if (!cond) fails++; };

const uuid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ind = (n, modified, extra = {}) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`,
  created: '2026-01-01T00:00:00.000Z', modified, name: `walk ${n}`,
  pattern: `[ipv4-addr:value = '203.0.113.${n}']`, pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z', ...extra,
});

try {
  const disc = await c.discover(url);
  ok(disc.roots.length >= 1, 'discovery lists an API root');
  const root = disc.default ? new URL(disc.default, url).href : disc.roots[0];
  const info = await c.apiRoot(root);
  ok(info.max_content_length > 0, 'API root: max_content_length');
  const cols = await c.collections(root);
  const col = cols.find((x) => x.title === title);
  ok(col && col.can_read && col.can_write, `collections: "${title}" readable and writable`);
  await c.collection(col);

  // 5 objects; object 1 in 3 versions
  const objs = [1, 2, 3, 4, 5].map((n) => ind(n, '2026-01-01T00:00:00.000Z'));
  objs.push(ind(1, '2026-02-01T00:00:00.000Z'), ind(1, '2026-03-01T00:00:00.123456Z'));
  const bad = { type: 'indicator', id: `indicator--${uuid(9)}`, spec_version: '2.1' };
  const s = await c.addObjects(col, { objects: [...objs, bad] });
  ok(s.status === 'complete', 'status polled to complete');
  ok(s.total_count === 8 && s.success_count === 7 && s.failure_count === 1,
     `status counts 8 = 7 + 1 (got ${s.total_count} = ${s.success_count} + ${s.failure_count})`);
  ok(s.failures && s.failures[0].id === bad.id && s.failures[0].message, 'the failure is named, with a reason');

  const all = await c.getAll(col, {}, 2);
  ok(all.length === 5, `paged get (2 per page): 5 objects, latest versions (got ${all.length})`);
  ok(all.find((o) => o.id === objs[0].id).modified === '2026-03-01T00:00:00.123456Z',
     'the latest version, with microseconds');
  const every = await c.getAll(col, { 'match[version]': 'all' }, 3);
  ok(every.length === 7, `match[version]=all: 7 versions (got ${every.length})`);
  const fl = await c.getAll(col, { 'match[id]': objs[0].id, 'match[version]': 'first,last' }, 10);
  ok(fl.map((o) => o.modified).join() === '2026-01-01T00:00:00Z,2026-03-01T00:00:00.123456Z' ||
     fl.map((o) => o.modified).join() === '2026-01-01T00:00:00.000Z,2026-03-01T00:00:00.123456Z',
     `match[version]=first,last (got ${fl.map((o) => o.modified).join()})`);
  const at = await c.getAll(col, { 'match[version]': '2026-02-01T00:00:00Z' }, 10);
  ok(at.length === 1 && at[0].id === objs[0].id, 'match[version]=<timestamp>');
  const sv = await c.getAll(col, { 'match[spec_version]': '2.0' }, 10);
  ok(sv.length === 0, 'match[spec_version]=2.0: none');
  const man = await c.manifest(col, {}, 2);
  ok(man.length === 5 && man.every((m) => m.id && m.date_added && m.version),
     'manifest: 5 entries with id, date_added, version');
  const one = await c.getObject(col, objs[1].id);
  ok(one.objects.length === 1 && one.objects[0].id === objs[1].id, 'get an object');
  const vers = await c.versions(col, objs[0].id);
  ok(vers.versions.length === 3, `versions: 3 (got ${vers.versions.length})`);

  // delete one version, then the whole object
  await c.deleteObject(col, objs[0].id, { 'match[version]': 'first' });
  ok((await c.versions(col, objs[0].id)).versions.length === 2, 'delete match[version]=first: 2 versions left');
  const del = await c.deleteObject(col, objs[1].id);
  ok(del.status === 200, 'delete an object: 200');
  let gone = false;
  try { await c.getObject(col, objs[1].id); } catch (e) { gone = e.status === 404; }
  ok(gone, 'the deleted object is gone (404)');
  ok((await c.getAll(col, {}, 100)).length === 4, 'and no longer listed');
  let again = 0;
  try { await c.deleteObject(col, objs[1].id); } catch (e) { again = e.status; }
  ok(again === 404, 'deleting it again: 404');
} catch (e) {
  console.log(`not ok - ${e.message} ${e.body ? JSON.stringify(e.body) : ''}`);
  fails++;
}
console.log(fails ? `${fails} failed` : 'all passed');
process.exit(fails ? 1 : 0);
