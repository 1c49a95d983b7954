import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WireContactList, WireEventList } from '../../src/intercom/types.js';
import { cohortKey, LISTABLE_EVENT_AGE_SEC, runSandboxServer, SandboxError, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z
let nowMs = NOW_SEC * 1000 + 4_321;
let sb: Sandbox;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

async function call(url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; auth?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json', ...(init.auth === false ? {} : { authorization: `Bearer ${sb.token}` }), ...init.headers };
  const res = await request(url, { method: init.method ?? 'GET', headers, body: init.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

const get = (path: string, init?: Parameters<typeof call>[1]): Promise<Reply> => call(`${sb.url}${path}`, init);
const search = (body: unknown, headers: Record<string, string> = {}, path = '/contacts/search'): Promise<Reply> =>
  call(`${sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function pageThroughSearch(field: 'segment_id' | 'tag_id', value: string, perPage: number, operator = '='): Promise<{ ids: string[]; pages: WireContactList[] }> {
  const ids: string[] = [];
  const pages: WireContactList[] = [];
  let startingAfter: string | null = null;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const r = await search({ query: { field, operator, value }, pagination: { per_page: perPage, starting_after: startingAfter } });
    expect(r.status).toBe(200);
    const list = r.json as WireContactList;
    pages.push(list);
    ids.push(...list.data.map((c) => c.id));
    startingAfter = list.pages?.next?.starting_after ?? null;
    if (!startingAfter) return { ids, pages };
  }
  throw new Error('search never ended');
}

async function followEvents(firstPath: string): Promise<{ events: WireEventList['events']; pages: WireEventList[] }> {
  const events: WireEventList['events'] = [];
  const pages: WireEventList[] = [];
  let url: string | null = `${sb.url}${firstPath}`;
  while (url) {
    const r = await call(url);
    expect(r.status).toBe(200);
    const list = r.json as WireEventList;
    pages.push(list);
    events.push(...list.events);
    url = list.pages?.next ?? null;
  }
  return { events, pages };
}

const listableAt = (contactId: string, atMs: number) =>
  (sb.workspace.eventsByContact.get(contactId) ?? []).filter((e) => e.created_at * 1000 > atMs - LISTABLE_EVENT_AGE_SEC * 1000);
const heaviest = (): string => [...sb.workspace.eventsByContact].sort((a, b) => b[1].length - a[1].length)[0]![0];

beforeAll(async () => {
  sb = await startSandbox({ contacts: 400, seed: 7, nowSec: NOW_SEC, clock: () => nowMs });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  nowMs = NOW_SEC * 1000 + 4_321;
  sb.resetCounters();
});

describe('GET /segments and GET /tags', () => {
  it('lists every segment with its member count only when include_count=true', async () => {
    const withCount = await get('/segments?include_count=true');
    expect(withCount.status).toBe(200);
    expect(withCount.json.type).toBe('segment.list');
    const counts = Object.fromEntries(withCount.json.segments.map((s: { id: string; count: number }) => [s.id, s.count]));
    const expected = Object.fromEntries(sb.workspace.segments.map((s) => [s.id, sb.workspace.membersByCohort.get(cohortKey('segment', s.id))!.length]));
    expect(counts).toEqual(expected);
    const without = await get('/segments');
    expect(without.json.segments.map((s: { id: string }) => s.id)).toEqual(sb.workspace.segments.map((s) => s.id));
    for (const s of without.json.segments) expect(s).not.toHaveProperty('count');
  });

  it('lists tags as {type:"list", data:[{type:"tag", id, name}]} with string ids', async () => {
    const r = await get('/tags');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ type: 'list', data: sb.workspace.tags.map((t) => ({ type: 'tag', id: t.id, name: t.name })) });
    for (const t of r.json.data) expect(typeof t.id).toBe('string');
  });

  it('answers JSON with charset utf-8', async () => {
    const r = await get('/tags');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('POST /contacts/search', () => {
  it.each([1, 7, 150])('pages every member of every cohort exactly once, in listing order, with per_page %i', async (perPage) => {
    const cohorts = [
      ...sb.workspace.segments.map((s) => ({ field: 'segment_id' as const, id: s.id, key: cohortKey('segment', s.id) })),
      ...sb.workspace.tags.map((t) => ({ field: 'tag_id' as const, id: t.id, key: cohortKey('tag', t.id) })),
    ];
    // per_page 1 costs one request per member: keep it to the smaller cohorts.
    const chosen = perPage === 1 ? cohorts.filter((c) => sb.workspace.membersByCohort.get(c.key)!.length <= 40) : cohorts;
    expect(chosen.length).toBeGreaterThan(2);
    for (const cohort of chosen) {
      const expected = sb.workspace.membersByCohort.get(cohort.key)!;
      const { ids, pages } = await pageThroughSearch(cohort.field, cohort.id, perPage);
      expect(ids).toEqual(expected);
      const totalPages = Math.ceil(expected.length / perPage);
      expect(pages).toHaveLength(Math.max(1, totalPages));
      pages.forEach((p, i) => {
        expect(p.total_count).toBe(expected.length);
        expect(p.pages).toMatchObject({ type: 'pages', page: i + 1, per_page: perPage, total_pages: totalPages });
        if (i < pages.length - 1) expect(p.pages?.next?.page).toBe(i + 2);
        else expect(p.pages?.next ?? null).toBeNull();
      });
    }
  });

  it('lists every contact outside the cohort for operator !=', async () => {
    const tag = sb.workspace.tags[0]!;
    const members = new Set(sb.workspace.membersByCohort.get(cohortKey('tag', tag.id)));
    const { ids } = await pageThroughSearch('tag_id', tag.id, 150, '!=');
    expect(ids).toEqual(sb.workspace.contacts.filter((c) => !members.has(c.id)).map((c) => c.id));
  });

  it('serves each member with the fields the report reads, equal to the stored contact', async () => {
    const segment = sb.workspace.segments.find((s) => s.count! > 0)!;
    const r = await search({ query: { field: 'segment_id', operator: '=', value: segment.id }, pagination: { per_page: 150 } });
    const byId = new Map(sb.workspace.contacts.map((c) => [c.id, c]));
    for (const c of r.json.data) {
      const stored = byId.get(c.id)!;
      for (const f of ['type', 'id', 'workspace_id', 'external_id', 'role', 'email', 'name', 'created_at', 'updated_at', 'signed_up_at', 'last_seen_at']) {
        expect(c[f]).toEqual(stored[f]);
      }
      expect(c).not.toHaveProperty('segments');
    }
  });

  it('defaults per_page to 50', async () => {
    const tag = sb.workspace.tags.find((t) => sb.workspace.membersByCohort.get(cohortKey('tag', t.id))!.length > 50)!;
    const r = await search({ query: { field: 'tag_id', operator: '=', value: tag.id } });
    expect(r.json.data).toHaveLength(50);
    expect(r.json.pages.per_page).toBe(50);
  });

  it('ignores a starting_after given in the query string (answers page 1 again)', async () => {
    const tag = sb.workspace.tags.find((t) => sb.workspace.membersByCohort.get(cohortKey('tag', t.id))!.length > 10)!;
    const query = { field: 'tag_id', operator: '=', value: tag.id };
    const first = await search({ query, pagination: { per_page: 5 } });
    const cursor = first.json.pages.next.starting_after as string;
    const again = await search({ query, pagination: { per_page: 5 } }, {}, `/contacts/search?starting_after=${encodeURIComponent(cursor)}`);
    expect(again.json.data.map((c: { id: string }) => c.id)).toEqual(first.json.data.map((c: { id: string }) => c.id));
    expect(again.json.pages.page).toBe(1);
  });

  it('lists nothing for an unknown cohort id', async () => {
    const r = await search({ query: { field: 'segment_id', operator: '=', value: '000000000000000000000000' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ type: 'list', data: [], total_count: 0, pages: { type: 'pages', page: 1, per_page: 50, total_pages: 0 } });
  });

  it('counts searches by field, value and cursor', async () => {
    const tag = sb.workspace.tags.find((t) => sb.workspace.membersByCohort.get(cohortKey('tag', t.id))!.length > 3)!;
    const { pages } = await pageThroughSearch('tag_id', tag.id, 2);
    expect(sb.counters.searchCallsByCursor.get(`tag_id:${tag.id}:`)).toBe(1);
    const secondCursor = pages[0]!.pages!.next!.starting_after!;
    expect(sb.counters.searchCallsByCursor.get(`tag_id:${tag.id}:${secondCursor}`)).toBe(1);
    expect(sb.counters.byEndpoint['contacts.search']).toBe(pages.length);
  });

  it.each([
    ['per_page over 150', { query: { field: 'tag_id', operator: '=', value: '99' }, pagination: { per_page: 151 } }, 'pagination.per_page'],
    ['per_page 0', { query: { field: 'tag_id', operator: '=', value: '99' }, pagination: { per_page: 0 } }, 'pagination.per_page'],
    ['an unsupported field', { query: { field: 'email', operator: '=', value: 'a@b.c' } }, 'query.field'],
    ['tag_id with operator ~', { query: { field: 'tag_id', operator: '~', value: '99' } }, 'query.operator'],
    ['a nested AND query', { query: { operator: 'AND', value: [{ field: 'tag_id', operator: '=', value: '99' }] } }, 'query'],
    ['a value that is not an id', { query: { field: 'tag_id', operator: '=', value: { id: '99' } } }, 'query.value'],
    ['a cursor it did not issue', { query: { field: 'tag_id', operator: '=', value: '99' }, pagination: { starting_after: 'bm9wZQ==' } }, 'pagination.starting_after'],
  ])('answers 400 parameter_invalid for %s, naming the field', async (_label, body, field) => {
    const r = await search(body);
    expect(r.status).toBe(400);
    expect(r.json.type).toBe('error.list');
    expect(r.json.errors).toEqual([expect.objectContaining({ code: 'parameter_invalid', field })]);
    expect(r.json.errors[0].message.length).toBeGreaterThan(10);
  });

  it('answers 400 parameter_not_found without a query', async () => {
    const r = await search({ pagination: { per_page: 5 } });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toMatchObject({ code: 'parameter_not_found', field: 'query' });
  });

  it('answers 400 bad_request for a malformed JSON body', async () => {
    const r = await call(`${sb.url}/contacts/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": {' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].code).toBe('bad_request');
  });

  it('does not read a body sent without a JSON content type', async () => {
    const body = JSON.stringify({ query: { field: 'tag_id', operator: '=', value: '99' } });
    const r = await call(`${sb.url}/contacts/search`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].code).toBe('parameter_not_found');
  });
});

describe('GET /events', () => {
  it('follows pages.next to the end, newest first, giving exactly the events younger than 90 days', async () => {
    const id = heaviest();
    const expected = listableAt(id, nowMs);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(sb.workspace.eventsByContact.get(id)!.length);
    const { events, pages } = await followEvents(`/events?type=user&intercom_user_id=${id}`);
    expect(events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(events).toEqual(expected);
    expect(pages.length).toBe(Math.ceil(expected.length / 50));
    for (let i = 1; i < events.length; i += 1) expect(events[i - 1]!.created_at).toBeGreaterThanOrEqual(events[i]!.created_at);
  });

  it('links pages.next as a full URL repeating the query with a before= cursor, and gives pages.since', async () => {
    const id = heaviest();
    const first = await get(`/events?type=user&intercom_user_id=${id}&per_page=7`);
    const next = new URL(first.json.pages.next);
    expect(`${next.protocol}//${next.host}`).toBe(sb.url);
    expect(next.pathname).toBe('/events');
    expect(next.searchParams.get('type')).toBe('user');
    expect(next.searchParams.get('intercom_user_id')).toBe(id);
    expect(next.searchParams.get('per_page')).toBe('7');
    expect(next.searchParams.get('before')).toMatch(/^\d+$/);
    expect(first.json.pages.since).toMatch(/since=\d+/);
  });

  it('keeps events that share a second across page breaks (per_page 1)', async () => {
    const withTies = [...sb.workspace.eventsByContact.keys()]
      .map((id) => ({ id, events: listableAt(id, nowMs) }))
      .filter(({ events }) => events.some((e, i) => i > 0 && events[i - 1]!.created_at === e.created_at))
      .sort((a, b) => a.events.length - b.events.length)[0];
    expect(withTies).toBeDefined();
    const { events } = await followEvents(`/events?type=user&intercom_user_id=${withTies!.id}&per_page=1`);
    expect(events.map((e) => e.id)).toEqual(withTies!.events.map((e) => e.id));
  });

  it('finds the same events by user_id and by a URL-encoded email', async () => {
    const contact = sb.workspace.contacts.find((c) => c.external_id !== null && c.email!.includes('+') && listableAt(c.id, nowMs).length > 0)
      ?? sb.workspace.contacts.find((c) => c.external_id !== null && listableAt(c.id, nowMs).length > 0)!;
    const expected = listableAt(contact.id, nowMs).map((e) => e.id);
    const byUserId = await followEvents(`/events?type=user&user_id=${encodeURIComponent(contact.external_id!)}`);
    const byEmail = await followEvents(`/events?type=user&email=${encodeURIComponent(contact.email!)}`);
    expect(byUserId.events.map((e) => e.id)).toEqual(expected);
    expect(byEmail.events.map((e) => e.id)).toEqual(expected);
  });

  it('applies the 90-day cutoff at the server clock', async () => {
    const id = heaviest();
    nowMs += 6 * 86_400_000;
    const later = listableAt(id, nowMs);
    expect(later.length).toBeLessThan(listableAt(id, nowMs - 6 * 86_400_000).length);
    const { events } = await followEvents(`/events?type=user&intercom_user_id=${id}&per_page=150`);
    expect(events.map((e) => e.id)).toEqual(later.map((e) => e.id));
  });

  it('clamps per_page above 150 to 150', async () => {
    const id = heaviest();
    const r = await get(`/events?type=user&intercom_user_id=${id}&per_page=1000`);
    expect(r.json.events).toHaveLength(Math.min(150, listableAt(id, nowMs).length));
  });

  it('answers summary=true with all-time counts, first and last per name', async () => {
    const id = heaviest();
    const all = sb.workspace.eventsByContact.get(id)!;
    const r = await get(`/events?type=user&intercom_user_id=${id}&summary=true`);
    expect(r.json.type).toBe('event.summary');
    const iso = (sec: number): string => new Date(sec * 1000).toISOString().replace('Z', '+00:00');
    const expected = new Map<string, { count: number; first: string; last: string }>();
    for (const e of all) {
      const s = expected.get(e.event_name) ?? { count: 0, first: iso(e.created_at), last: iso(e.created_at) };
      s.count += 1;
      if (iso(e.created_at) < s.first) s.first = iso(e.created_at);
      if (iso(e.created_at) > s.last) s.last = iso(e.created_at);
      expected.set(e.event_name, s);
    }
    const got = new Map(r.json.events.map((s: { name: string; count: number; first: string; last: string }) => [s.name, { count: s.count, first: s.first, last: s.last }]));
    expect(got).toEqual(expected);
    const total = r.json.events.reduce((sum: number, s: { count: number }) => sum + s.count, 0);
    expect(total).toBe(all.length);
    expect(total).toBeGreaterThan(listableAt(id, nowMs).length);
  });

  it('answers an empty list without pages.next for a contact with no events', async () => {
    const idle = sb.workspace.contacts.find((c) => sb.workspace.eventsByContact.get(c.id)!.length === 0)!;
    const r = await get(`/events?type=user&intercom_user_id=${idle.id}`);
    expect(r.status).toBe(200);
    expect(r.json.events).toEqual([]);
    expect(r.json.pages.next).toBeUndefined();
  });

  it('answers 404 not_found for an unknown contact', async () => {
    const r = await get('/events?type=user&intercom_user_id=ffffffffffffffffffffffff');
    expect(r.status).toBe(404);
    expect(r.json.errors[0]).toMatchObject({ code: 'not_found' });
  });

  it.each([
    ['no type', '/events?intercom_user_id=x', 'parameter_not_found'],
    ['type other than user', '/events?type=lead&intercom_user_id=x', 'parameter_invalid'],
    ['no identifier', '/events?type=user', 'parameter_not_found'],
    ['a malformed before cursor', '/events?type=user&intercom_user_id=x&before=yesterday', 'parameter_invalid'],
  ])('answers 400 for %s', async (_label, path, code) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.json.errors[0].code).toBe(code);
  });

  it('counts events calls by contact', async () => {
    const id = heaviest();
    const { pages } = await followEvents(`/events?type=user&intercom_user_id=${id}`);
    expect(sb.counters.eventsCallsByContact.get(id)).toBe(pages.length);
    expect(sb.counters.byEndpoint.events).toBe(pages.length);
  });
});

describe('auth, content negotiation and unknown routes', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['the token under another scheme', { authorization: 'Basic abc' }],
  ])('answers 401 unauthorized without rate-limit headers for %s', async (_label, headers) => {
    const r = await get('/segments', { auth: false, headers });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ type: 'error.list', request_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
    expect(Object.keys(r.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    expect(sb.counters.requests).toBe(1);
    expect(sb.counters.requestsByWindow.size).toBe(0);
  });

  it('never puts the token in an answer', async () => {
    const r = await get('/nowhere');
    expect(r.text).not.toContain(sb.token);
  });

  it('answers 406 when Accept admits no JSON', async () => {
    const r = await get('/segments', { headers: { accept: 'text/html' } });
    expect(r.status).toBe(406);
    expect(r.json.errors[0].code).toBe('not_acceptable');
    expect(r.headers['x-ratelimit-limit']).toBeDefined();
  });

  it.each([['*/*'], ['application/*']])('accepts Accept: %s', async (accept) => {
    expect((await get('/tags', { headers: { accept } })).status).toBe(200);
  });

  it('answers JSON when Accept is absent', async () => {
    const res = await request(`${sb.url}/tags`, { headers: { authorization: `Bearer ${sb.token}` } });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { type: string }).type).toBe('list');
  });

  it.each([['/contacts'], ['/segments/'], ['/contacts/search']])('answers 404 not_found for GET %s', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(404);
    expect(r.json.errors[0].code).toBe('not_found');
    expect(sb.counters.byEndpoint.other).toBe(1);
  });
});

describe('starting and stopping', () => {
  it('refuses a host that is not loopback', async () => {
    await expect(startSandbox({ host: '0.0.0.0', contacts: 1 })).rejects.toBeInstanceOf(SandboxError);
  });

  it('closes open keep-alive sockets, so close() resolves promptly and the port stops answering', async () => {
    const s = await runSandboxServer({ port: 0, contacts: 5, seed: 1, rateLimit: 100 });
    const r = await request(`${s.url}/tags`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(r.headers['x-ratelimit-limit']).toBe('100');
    await r.body.dump();
    await s.close();
    await expect(request(`${s.url}/tags`, { headers: { authorization: `Bearer ${s.token}` }, headersTimeout: 2_000 })).rejects.toThrow();
  });
});
