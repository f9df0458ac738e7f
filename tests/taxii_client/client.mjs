// SPDX-License-Identifier: Apache-2.0
// A TAXII 2.1 client written from the OASIS specification alone (no Vigie
// knowledge), making its requests the way the OASIS reference client
// (taxii2-client) makes them: an Accept header on every request, HTTP Basic
// credentials, URLs joined relative to the one they came from, status URLs
// built as "../../status/<id>" from the collection's URL (without a trailing
// slash), pages followed with limit and next.  Every answer is checked
// against what the specification requires of it; a deviation throws.
const TAXII = 'application/taxii+json;version=2.1';

export class TaxiiError extends Error {}

function need(cond, what) {
  if (!cond) throw new TaxiiError(what);
}

export class Client {
  constructor(user, password) {
    this.auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }

  async request(method, url, { params, body, accept = TAXII } = {}) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params || {})) u.searchParams.set(k, String(v));
    const headers = { Accept: accept, Authorization: this.auth, 'User-Agent': 'taxii-walk/1.0' };
    if (body !== undefined) headers['Content-Type'] = TAXII;
    const resp = await fetch(u, { method, headers, body });
    const text = await resp.text();
    if (!resp.ok) {
      const err = new TaxiiError(`${method} ${u.pathname}: HTTP ${resp.status}`);
      err.status = resp.status;
      try { err.body = JSON.parse(text); } catch { err.body = text; }
      throw err;
    }
    if (method === 'DELETE') return { status: resp.status, headers: resp.headers };
    // the reference client: every token of the Accept header is in Content-Type
    const ct = (resp.headers.get('content-type') || '').replace(/ /g, '').split(';');
    need(ct[0] === 'application/taxii+json' &&
         accept.replace(/ /g, '').split(';').every((t) => ct.includes(t)),
         `${u.pathname}: Content-Type ${resp.headers.get('content-type')} for Accept ${accept}`);
    return { status: resp.status, headers: resp.headers, json: JSON.parse(text) };
  }

  // 4.1 discovery: title required; api_roots relative to the discovery URL
  async discover(url) {
    const { json } = await this.request('GET', url);
    need(typeof json.title === 'string' && json.title, 'discovery: no title');
    const roots = (json.api_roots || []).map((r) => new URL(r, url).href);
    if (json.default) need(roots.includes(new URL(json.default, url).href), 'default not in api_roots');
    return { ...json, roots };
  }

  // 4.2 API root: title, versions, max_content_length required
  async apiRoot(url) {
    const { json } = await this.request('GET', url);
    need(json.title, 'api root: no title');
    need(Array.isArray(json.versions) && json.versions.includes(TAXII), 'api root: versions');
    need(Number.isInteger(json.max_content_length), 'api root: max_content_length');
    return json;
  }

  // 5.1 collections: each needs id, title, can_read, can_write; 5.2 the URL holds the id
  async collections(root) {
    const url = new URL('collections/', root).href;
    const { json } = await this.request('GET', url);
    return (json.collections || []).map((c) => {
      need(c.id && c.title && typeof c.can_read === 'boolean' && typeof c.can_write === 'boolean',
           'collection resource incomplete');
      return { ...c, url: new URL(c.id + '/', url).href };
    });
  }

  async collection(c) {
    const { json } = await this.request('GET', c.url);
    need(c.url.includes(json.id), 'collection id does not match its URL');
    return json;
  }

  // 4.3.1 a status resource's counts add up, its lists match its counts
  checkStatus(s) {
    for (const k of ['id', 'status', 'total_count', 'success_count', 'failure_count', 'pending_count'])
      need(s[k] !== undefined && s[k] !== null, `status: no ${k}`);
    for (const [list, count] of [['successes', 'success_count'], ['failures', 'failure_count'],
      ['pendings', 'pending_count']])
      if (s[list] && s[list].length) need(s[list].length === s[count], `status: ${list} vs ${count}`);
    need(s.success_count + s.failure_count + s.pending_count === s.total_count, 'status: counts');
    return s;
  }

  // 5.4 add objects: 202 and a status resource; then poll it until complete
  async addObjects(c, envelope, { pollMs = 100, timeoutMs = 30000 } = {}) {
    need(c.can_write, 'collection not writable');
    const r = await this.request('POST', new URL('objects/', c.url).href, { body: JSON.stringify(envelope) });
    need(r.status === 202, `add objects: HTTP ${r.status}, not 202`);
    let s = this.checkStatus(r.json);
    const statusUrl = new URL(`../../status/${s.id}`, c.url).href; // as taxii2-client builds it
    const start = Date.now();
    do {
      s = this.checkStatus((await this.request('GET', statusUrl)).json);
      if (s.status === 'complete') break;
      await new Promise((res) => setTimeout(res, pollMs));
    } while (Date.now() - start < timeoutMs);
    return s;
  }

  // 5.3/5.6 paged: envelope {more, next, objects}; date-added headers when objects
  async *pages(url, params, limit) {
    let next;
    for (;;) {
      const r = await this.request('GET', url, { params: { ...params, limit, ...(next ? { next } : {}) } });
      const items = r.json.objects || r.json.versions || [];
      if (items.length) {
        need(r.headers.get('x-taxii-date-added-first') && r.headers.get('x-taxii-date-added-last'),
             'page without X-TAXII-Date-Added headers');
      }
      need(items.length <= limit, 'page larger than the limit');
      yield r.json;
      if (!r.json.more) break;
      need(typeof r.json.next === 'string' && r.json.next, 'more without next');
      next = r.json.next;
    }
  }

  async getAll(c, params = {}, limit = 2) {
    const out = [];
    for await (const env of this.pages(new URL('objects/', c.url).href, params, limit)) out.push(...(env.objects || []));
    return out;
  }

  async manifest(c, params = {}, limit = 2) {
    const out = [];
    for await (const env of this.pages(new URL('manifest/', c.url).href, params, limit)) out.push(...(env.objects || []));
    return out;
  }

  async getObject(c, id, params = {}) {
    return (await this.request('GET', new URL(`objects/${id}/`, c.url).href, { params })).json;
  }

  async versions(c, id, params = {}) {
    return (await this.request('GET', new URL(`objects/${id}/versions/`, c.url).href, { params })).json;
  }

  async deleteObject(c, id, params = {}) {
    need(c.can_write, 'collection not writable');
    return this.request('DELETE', new URL(`objects/${id}/`, c.url).href, { params });
  }
}
