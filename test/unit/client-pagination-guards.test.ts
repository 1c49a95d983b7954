/**
 * Paging decisions the sandbox cannot provoke (it never repeats a cursor and always lists events newest
 * first). The pagers take their HTTP transport as a parameter; here it is a scripted one that answers
 * with given JSON bodies, run through the real body parsers.
 */
import { describe, expect, it } from 'vitest';
import type { ClientLogger, Transport, TransportRequest } from '../../src/intercom/create-transport.js';
import { PaginationLoopError } from '../../src/intercom/errors.js';
import { listEventPages } from '../../src/intercom/list-event-pages.js';
import { listMemberPages } from '../../src/intercom/list-member-pages.js';

const BASE = 'https://api.intercom.io';

function scriptedTransport(bodies: unknown[]) {
  const requests: Array<{ url: string; body: unknown }> = [];
  const transport: Transport = {
    async send<T>(req: TransportRequest<T>): Promise<T> {
      requests.push({ url: req.url, body: req.body });
      const body = bodies[requests.length - 1];
      if (body === undefined) throw new Error(`no scripted answer for request ${requests.length}`);
      const parsed = req.parse(body);
      if (!parsed.ok) throw new Error(parsed.problem);
      return parsed.value;
    },
    stats: { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} },
    close: async () => {},
  };
  return { transport, requests };
}

const warnings: string[] = [];
const logger: ClientLogger = { debug() {}, warn: (_obj, msg) => warnings.push(msg) };

function contactPage(ids: string[], next: string | null) {
  return {
    type: 'list',
    data: ids.map((id) => ({ type: 'contact', id, role: 'user', created_at: 1, signed_up_at: 0 })),
    total_count: 99,
    // Without a next cursor, the last of the pages (a page before total_pages without one is refused).
    pages: { type: 'pages', page: next === null ? 9 : 1, per_page: ids.length, total_pages: 9, next: next === null ? null : { page: 2, starting_after: next } },
  };
}

function eventPage(createdAts: number[], next: string | null) {
  return {
    type: 'event.list',
    events: createdAts.map((sec, i) => ({ type: 'event', id: `e${sec}-${i}`, event_name: 'x', created_at: sec, intercom_user_id: 'c' })),
    pages: next === null ? {} : { next: `${BASE}/events?type=user&intercom_user_id=c&before=${next}` },
  };
}

async function drain<T>(pages: AsyncGenerator<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('listMemberPages guards', () => {
  it('sends the cursor in the body and stops when pages.next carries none', async () => {
    const { transport, requests } = scriptedTransport([contactPage(['a'], 'c1'), contactPage(['b'], null)]);
    const pages = await drain(listMemberPages(transport, BASE, { type: 'tag', id: '7' }, { perPage: 1 }));
    expect(pages.map((p) => p.nextCursor)).toEqual(['c1', null]);
    expect(requests.map((r) => r.body)).toEqual([
      { query: { field: 'tag_id', operator: '=', value: '7' }, pagination: { per_page: 1 } },
      { query: { field: 'tag_id', operator: '=', value: '7' }, pagination: { per_page: 1, starting_after: 'c1' } },
    ]);
  });

  it('fails with PaginationLoopError when a cursor comes back, instead of paging forever', async () => {
    const { transport, requests } = scriptedTransport([contactPage(['a'], 'c1'), contactPage(['b'], 'c2'), contactPage(['c'], 'c1')]);
    await expect(drain(listMemberPages(transport, BASE, { type: 'segment', id: 's' }, { perPage: 1 }))).rejects.toBeInstanceOf(PaginationLoopError);
    expect(requests).toHaveLength(3);
  });

  it('treats a cursor equal to the starting one as a loop', async () => {
    const { transport } = scriptedTransport([contactPage(['a'], 'start')]);
    await expect(drain(listMemberPages(transport, BASE, { type: 'segment', id: 's' }, { perPage: 1, startingAfter: 'start' }))).rejects.toMatchObject({
      code: 'INTERCOM_PAGINATION_LOOP',
    });
  });
});

describe('listEventPages guards', () => {
  it('stops after the first page wholly older than notBeforeSec while pages are newest first', async () => {
    const { transport, requests } = scriptedTransport([eventPage([50, 40], '1'), eventPage([30, 20], '2'), eventPage([10], null)]);
    const pages = await drain(listEventPages(transport, BASE, 'c', { notBeforeSec: 35, logger }));
    expect(pages.map((p) => p.map((e) => e.createdAtSec))).toEqual([[50, 40], [30, 20]]);
    expect(requests).toHaveLength(2);
  });

  it('reads to the last page once created_at increases anywhere, so no event is lost', async () => {
    warnings.length = 0;
    const { transport, requests } = scriptedTransport([eventPage([50, 40], '1'), eventPage([30, 45], '2'), eventPage([20], '3'), eventPage([60], null)]);
    const pages = await drain(listEventPages(transport, BASE, 'c', { notBeforeSec: 35, logger }));
    expect(pages.flat().map((e) => e.createdAtSec)).toEqual([50, 40, 30, 45, 20, 60]);
    expect(requests).toHaveLength(4);
    expect(warnings).toEqual(['events are not newest first: reading every page']);
  });

  it('notices an increase across a page break too', async () => {
    const { transport, requests } = scriptedTransport([eventPage([50, 40], '1'), eventPage([41, 20], '2'), eventPage([10], null)]);
    await drain(listEventPages(transport, BASE, 'c', { notBeforeSec: 35, logger }));
    expect(requests).toHaveLength(3);
  });

  it('does not stop on an empty page that still has a next link', async () => {
    const { transport, requests } = scriptedTransport([eventPage([], '1'), eventPage([60, 10], null)]);
    const pages = await drain(listEventPages(transport, BASE, 'c', { notBeforeSec: 35, logger }));
    expect(pages.flat().map((e) => e.createdAtSec)).toEqual([60, 10]);
    expect(requests).toHaveLength(2);
  });

  it('follows pages.next exactly as given and fails with PaginationLoopError when it repeats', async () => {
    const { transport, requests } = scriptedTransport([eventPage([50], '1'), eventPage([40], '1')]);
    await expect(drain(listEventPages(transport, BASE, 'c', { logger }))).rejects.toBeInstanceOf(PaginationLoopError);
    expect(requests.map((r) => r.url)).toEqual([
      `${BASE}/events?type=user&intercom_user_id=c`,
      `${BASE}/events?type=user&intercom_user_id=c&before=1`,
    ]);
  });

  it('normalises metadata to an object when the API omits it', async () => {
    const { transport } = scriptedTransport([{ type: 'event.list', events: [{ id: 7, event_name: 'n', created_at: 5, metadata: null }] }]);
    const [page] = await drain(listEventPages(transport, BASE, 'c', { logger }));
    expect(page).toEqual([{ id: '7', name: 'n', createdAtSec: 5, metadata: {} }]);
  });
});
