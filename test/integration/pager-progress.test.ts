/**
 * Every pager makes progress: a list whose pages keep pointing further (a fresh cursor or link each
 * time, so no loop is ever seen) while bringing nothing new fails after MAX_PAGES_WITHOUT_NEW_ITEMS
 * such pages in a row, loudly, naming the endpoint and the contact or cohort — instead of spending the
 * allowance forever. The real client over real HTTP on loopback: the sandbox (events) and, for what
 * the sandbox cannot serve (a search cursor it did not issue, a segments link), a tiny server here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGES_WITHOUT_NEW_ITEMS } from '../../src/intercom/create-progress-guard.js';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import { isPermanent, isRetryable, PaginationLoopError, PaginationStalledError } from '../../src/intercom/errors.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { classifyJobError } from '../../jobs/map-job-error.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const TOKEN = 'pager-progress-token';
/** Requests a stalled list may cost: the first page, then the allowed stale pages, then the one that fails it. */
const STALL_REQUESTS = 1 + MAX_PAGES_WITHOUT_NEW_ITEMS;

const clients: IntercomApi[] = [];
function clientFor(baseUrl: string, token = TOKEN): IntercomApi {
  const api = createIntercomClient({
    baseUrl,
    token,
    limiter: createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 }),
    eventsPerPage: 'omit',
  });
  clients.push(api);
  return api;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function drain<T>(pages: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected the list to fail');
}

describe('events', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ contacts: 20, seed: 5 });
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.setResponseTransform(null);
    sb.resetCounters();
  });

  it('fails after empty pages each with a new cursor, naming the endpoint and the contact, within a few requests', async () => {
    let cursor = 2_000_000_000;
    sb.setResponseTransform((endpoint, body, url) => {
      if (endpoint !== 'events') return body;
      const query = new URLSearchParams(url.search);
      cursor -= 1;
      query.set('before', String(cursor));
      return { ...(body as object), events: [], pages: { type: 'pages', next: `${sb.url}/events?${query.toString()}` } };
    });
    const contactId = sb.workspace.contacts[0]!.id;
    const err = await failureOf(drain(clientFor(sb.url, sb.token).listEventPages(contactId)));
    expect(err).toBeInstanceOf(PaginationStalledError);
    const stalled = err as PaginationStalledError;
    expect(stalled.code).toBe('INTERCOM_PAGINATION_STALLED');
    expect(stalled.endpoint).toBe('events');
    expect(stalled.subject).toBe(`contact ${contactId}`);
    expect(stalled.message).toContain(`Intercom events (contact ${contactId}) answered 4 pages in a row`);
    expect(stalled.message).not.toMatch(/\n/);
    expect(sb.counters.eventsCallsByContact.get(contactId)).toBe(STALL_REQUESTS);
  });

  it('fails after the same events again behind a new cursor', async () => {
    let cursor = 2_000_000_000;
    let first: unknown[] | null = null;
    sb.setResponseTransform((endpoint, body, url) => {
      if (endpoint !== 'events') return body;
      const events = (body as { events: unknown[] }).events;
      first ??= events;
      const query = new URLSearchParams(url.search);
      cursor -= 1;
      query.set('before', String(cursor));
      return { ...(body as object), events: first, pages: { type: 'pages', next: `${sb.url}/events?${query.toString()}` } };
    });
    const withEvents = sb.workspace.contacts.find((c) => (sb.workspace.eventsByContact.get(c.id) ?? []).some((e) => e.created_at > sb.workspace.nowSec - 80 * 86_400))!;
    const err = await failureOf(drain(clientFor(sb.url, sb.token).listEventPages(withEvents.id)));
    expect(err).toBeInstanceOf(PaginationStalledError);
    // The first page brought new events; the next four did not.
    expect(sb.counters.eventsCallsByContact.get(withEvents.id)).toBe(STALL_REQUESTS + 1);
  });

  it('lets a few empty pages pass when the list then goes on and ends', async () => {
    const contact = sb.workspace.contacts[1]!;
    let served = 0;
    sb.setResponseTransform((endpoint, body, url) => {
      if (endpoint !== 'events') return body;
      served += 1;
      if (served > MAX_PAGES_WITHOUT_NEW_ITEMS) return body;
      const query = new URLSearchParams(url.search);
      query.set('before', String(2_000_000_000 - served));
      return { ...(body as object), events: [], pages: { type: 'pages', next: `${sb.url}/events?${query.toString()}` } };
    });
    const pages = await drain(clientFor(sb.url, sb.token).listEventPages(contact.id));
    const listable = (sb.workspace.eventsByContact.get(contact.id) ?? []).filter((e) => e.created_at > sb.workspace.nowSec - 90 * 86_400);
    expect(pages.flat().map((e) => e.id)).toEqual(listable.map((e) => e.id));
  });
});

/** A loopback server answering every request with `answer(body, n)`, n counting from 1. */
async function serve(answer: (req: IncomingMessage, body: unknown, n: number, base: string) => unknown): Promise<{ base: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      n += 1;
      const json = JSON.stringify(answer(req, raw === '' ? undefined : JSON.parse(raw), n, base));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function contact(id: string) {
  return { type: 'contact', id, role: 'user', created_at: 1_700_000_000, signed_up_at: 0 };
}

describe('members (contacts.search)', () => {
  it('fails after the same contacts behind a fresh cursor, naming the endpoint and the cohort', async () => {
    const server = await serve((_req, _body, n) => ({
      type: 'list',
      data: [contact('c1'), contact('c2')],
      total_count: 1_000,
      pages: { type: 'pages', page: n, per_page: 2, total_pages: 500, next: { page: n + 1, starting_after: `fresh-${n}` } },
    }));
    try {
      const err = await failureOf(drain(clientFor(server.base).listMemberPages({ type: 'segment', id: 'seg-9' }, { perPage: 2 })));
      expect(err).toBeInstanceOf(PaginationStalledError);
      const stalled = err as PaginationStalledError;
      expect(stalled.endpoint).toBe('contacts.search');
      expect(stalled.message).toContain('Intercom contacts.search (segment seg-9) answered 4 pages in a row that brought no contact not seen before');
      // The first page brought c1 and c2; the next four brought nothing new.
      expect(server.requests()).toBe(STALL_REQUESTS + 1);
    } finally {
      await server.close();
    }
  });

  it('fails after empty pages with fresh cursors', async () => {
    const server = await serve((_req, _body, n) => ({
      type: 'list',
      data: [],
      total_count: 0,
      pages: { type: 'pages', page: n, per_page: 150, total_pages: 500, next: { page: n + 1, starting_after: `fresh-${n}` } },
    }));
    try {
      const err = await failureOf(drain(clientFor(server.base).listMemberPages({ type: 'tag', id: '77' })));
      expect(err).toBeInstanceOf(PaginationStalledError);
      expect((err as Error).message).toContain('contacts.search (tag 77)');
      expect(server.requests()).toBe(STALL_REQUESTS);
    } finally {
      await server.close();
    }
  });

  it('still fails a repeated cursor as a loop', async () => {
    const server = await serve((_req, _body, n) => ({
      type: 'list',
      data: [contact(`c${n}`)],
      total_count: 9,
      pages: { type: 'pages', page: n, per_page: 1, total_pages: 9, next: { page: n + 1, starting_after: 'same' } },
    }));
    try {
      const err = await failureOf(drain(clientFor(server.base).listMemberPages({ type: 'tag', id: '1' }, { perPage: 1 })));
      expect(err).toBeInstanceOf(PaginationLoopError);
    } finally {
      await server.close();
    }
  });
});

describe('segments', () => {
  it('fails after the same segments behind a fresh pages.next link, naming the endpoint', async () => {
    const server = await serve((_req, _body, n, base) => ({
      type: 'segment.list',
      segments: [{ type: 'segment', id: 's1', name: 'VIP', person_type: 'user', count: 3 }],
      pages: { next: `${base}/segments?include_count=true&page_token=fresh-${n}` },
    }));
    try {
      const err = await failureOf(clientFor(server.base).listSegments());
      expect(err).toBeInstanceOf(PaginationStalledError);
      expect((err as Error).message).toContain('Intercom segments answered 4 pages in a row that brought no segment not seen before');
      expect(server.requests()).toBe(STALL_REQUESTS + 1);
    } finally {
      await server.close();
    }
  });
});

describe('the stall error', () => {
  it('is permanent: never retried, and a permanent job failure in the workers', () => {
    const err = new PaginationStalledError('x', { endpoint: 'events', status: 200, subject: 'contact 1' });
    expect(isRetryable(err)).toBe(false);
    expect(isPermanent(err)).toBe(true);
    expect(classifyJobError(err)).toEqual({ kind: 'permanent', message: 'INTERCOM_PAGINATION_STALLED: x' });
  });
});
