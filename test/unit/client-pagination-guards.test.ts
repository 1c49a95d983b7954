/**
 * Paging decisions the sandbox cannot provoke (it never repeats a cursor and always lists events newest
 * first). The pagers take their HTTP transport as a parameter; here it is a scripted one that answers
 * with given JSON bodies, run through the real body parsers.
 */
import { describe, expect, it } from 'vitest';
import { scriptedTransport } from '../support/scripted-transport.js';
import type { ClientLogger, Transport, TransportRequest } from '../../src/intercom/create-transport.js';
import { BadRequestError, PaginationLoopError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import { createEventsPageSizeLearner, EVENTS_PAGE_SIZES, type EventsPageSize } from '../../src/intercom/events-page-size.js';
import { listEventPages, type ListEventPagesOptions } from '../../src/intercom/list-event-pages.js';
import { listMemberPages } from '../../src/intercom/list-member-pages.js';
import { listSegments } from '../../src/intercom/list-segments.js';
import { listTags } from '../../src/intercom/list-tags.js';

const BASE = 'https://api.intercom.io';


const warnings: string[] = [];
const logger: ClientLogger = { debug() {}, warn: (_obj, msg) => warnings.push(msg) };

/** Options of a pager run as the client runs it, with per_page omitted unless a test asks for sizes. */
function eventOptions(extra: Partial<ListEventPagesOptions> = {}): ListEventPagesOptions {
  return { pageSize: learner(['omit']), logger, ...extra };
}

/** A client's page size, learnt from `sizes` as the client learns it. */
function learner(sizes: readonly EventsPageSize[] = EVENTS_PAGE_SIZES) {
  return createEventsPageSizeLearner(sizes, logger);
}

function perPageRefused(): BadRequestError {
  return new BadRequestError('Intercom events answered HTTP 400 (parameter_invalid: per_page must be at most 50) after 1 attempt', {
    endpoint: 'events',
    status: 400,
    intercomCode: 'parameter_invalid',
    intercomField: 'per_page',
  });
}

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
    const pages = await drain(listEventPages(transport, BASE, 'c', eventOptions({ notBeforeSec: 35 })));
    expect(pages.map((p) => p.map((e) => e.createdAtSec))).toEqual([[50, 40], [30, 20]]);
    expect(requests).toHaveLength(2);
  });

  it('reads to the last page once created_at increases anywhere, so no event is lost', async () => {
    warnings.length = 0;
    const { transport, requests } = scriptedTransport([eventPage([50, 40], '1'), eventPage([30, 45], '2'), eventPage([20], '3'), eventPage([60], null)]);
    const pages = await drain(listEventPages(transport, BASE, 'c', eventOptions({ notBeforeSec: 35 })));
    expect(pages.flat().map((e) => e.createdAtSec)).toEqual([50, 40, 30, 45, 20, 60]);
    expect(requests).toHaveLength(4);
    expect(warnings).toEqual(['events are not newest first: reading every page']);
  });

  it('notices an increase across a page break too', async () => {
    const { transport, requests } = scriptedTransport([eventPage([50, 40], '1'), eventPage([41, 20], '2'), eventPage([10], null)]);
    await drain(listEventPages(transport, BASE, 'c', eventOptions({ notBeforeSec: 35 })));
    expect(requests).toHaveLength(3);
  });

  it('does not stop on an empty page that still has a next link', async () => {
    const { transport, requests } = scriptedTransport([eventPage([], '1'), eventPage([60, 10], null)]);
    const pages = await drain(listEventPages(transport, BASE, 'c', eventOptions({ notBeforeSec: 35 })));
    expect(pages.flat().map((e) => e.createdAtSec)).toEqual([60, 10]);
    expect(requests).toHaveLength(2);
  });

  it('follows pages.next exactly as given and fails with PaginationLoopError when it repeats', async () => {
    const { transport, requests } = scriptedTransport([eventPage([50], '1'), eventPage([40], '1')]);
    await expect(drain(listEventPages(transport, BASE, 'c', eventOptions()))).rejects.toBeInstanceOf(PaginationLoopError);
    expect(requests.map((r) => r.url)).toEqual([
      `${BASE}/events?type=user&intercom_user_id=c`,
      `${BASE}/events?type=user&intercom_user_id=c&before=1`,
    ]);
  });

  it('normalises metadata to an object when the API omits it', async () => {
    const { transport } = scriptedTransport([{ type: 'event.list', events: [{ id: 7, event_name: 'n', created_at: 5, metadata: null }] }]);
    const [page] = await drain(listEventPages(transport, BASE, 'c', eventOptions()));
    expect(page).toEqual([{ id: '7', name: 'n', createdAtSec: 5, metadata: {} }]);
  });
});

describe('events page size', () => {
  it('asks for 150 first, steps down on a 400 naming per_page, and keeps the size that worked', async () => {
    warnings.length = 0;
    const pageSize = learner();
    const { transport, requests } = scriptedTransport([perPageRefused(), perPageRefused(), eventPage([50], null), eventPage([40], null)]);
    const options = eventOptions({ pageSize });
    expect(pageSize.size).toBeNull();
    await drain(listEventPages(transport, BASE, 'c', options));
    await drain(listEventPages(transport, BASE, 'd', options));
    expect(requests.map((r) => new URL(r.url).searchParams.get('per_page'))).toEqual(['150', '100', '50', '50']);
    expect(pageSize.size).toBe(50);
    expect(warnings.filter((w) => w.includes('per_page refused'))).toHaveLength(2);
  });

  it('omits per_page after 50 is refused too, and fails when even that is refused', async () => {
    const { transport, requests } = scriptedTransport([perPageRefused(), perPageRefused(), perPageRefused(), perPageRefused(), eventPage([50], null)]);
    const pageSize = learner();
    await expect(drain(listEventPages(transport, BASE, 'c', eventOptions({ pageSize })))).rejects.toBeInstanceOf(BadRequestError);
    expect(requests.map((r) => new URL(r.url).searchParams.get('per_page'))).toEqual(['150', '100', '50', null]);
    expect(pageSize.size).toBeNull();
    // Nothing was learnt, so the next call tries again from the top.
    await drain(listEventPages(transport, BASE, 'd', eventOptions({ pageSize })));
    expect(new URL(requests[4]!.url).searchParams.get('per_page')).toBe('150');
    expect(pageSize.size).toBe(150);
  });

  it('learns again from the next smaller size when the learnt one is refused later', async () => {
    warnings.length = 0;
    const pageSize = learner();
    const { transport, requests } = scriptedTransport([eventPage([50], null), perPageRefused(), perPageRefused(), eventPage([40], null), eventPage([30], null)]);
    await drain(listEventPages(transport, BASE, 'c', eventOptions({ pageSize })));
    expect(pageSize.size).toBe(150);
    // The API now refuses 150 (and 100): the run steps down rather than failing every contact.
    await drain(listEventPages(transport, BASE, 'd', eventOptions({ pageSize })));
    await drain(listEventPages(transport, BASE, 'e', eventOptions({ pageSize })));
    expect(requests.map((r) => new URL(r.url).searchParams.get('per_page'))).toEqual(['150', '150', '100', '50', '50']);
    expect(pageSize.size).toBe(50);
    expect(warnings.filter((w) => w.includes('per_page refused'))).toHaveLength(2);
  });

  it('does not step down on another 400', async () => {
    const other = new BadRequestError('Intercom events answered HTTP 400 (parameter_invalid: type must be user)', { endpoint: 'events', status: 400, intercomField: 'type' });
    const { transport, requests } = scriptedTransport([other]);
    await expect(drain(listEventPages(transport, BASE, 'c', eventOptions({ pageSize: learner() })))).rejects.toBe(other);
    expect(requests).toHaveLength(1);
  });

  it('lets one caller try sizes while the others wait, so a refused size is asked once', async () => {
    const pageSize = learner();
    let refusals = 0;
    const urls: string[] = [];
    const transport: Transport = {
      async send<T>(req: TransportRequest<T>): Promise<T> {
        urls.push(req.url);
        await new Promise((r) => setTimeout(r, 5));
        if (new URL(req.url).searchParams.get('per_page') !== '100') {
          refusals += 1;
          throw perPageRefused();
        }
        const parsed = req.parse(eventPage([1], null));
        if (!parsed.ok) throw new Error(parsed.problem);
        return parsed.value;
      },
      stats: { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} },
      close: async () => {},
    };
    const options = eventOptions({ pageSize });
    await Promise.all(Array.from({ length: 8 }, (_, i) => drain(listEventPages(transport, BASE, `c${i}`, options))));
    expect(refusals).toBe(1);
    expect(urls).toHaveLength(9);
    expect(urls.slice(1).every((u) => u.includes('per_page=100'))).toBe(true);
    expect(pageSize.size).toBe(100);
  });

  it('lets a waiting caller give up on its abort without stopping the try', async () => {
    const pageSize = learner();
    let answer!: () => void;
    const transport: Transport = {
      async send<T>(req: TransportRequest<T>): Promise<T> {
        await new Promise<void>((r) => (answer = r));
        const parsed = req.parse(eventPage([1], null));
        if (!parsed.ok) throw new Error(parsed.problem);
        return parsed.value;
      },
      stats: { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} },
      close: async () => {},
    };
    const trying = drain(listEventPages(transport, BASE, 'c1', eventOptions({ pageSize })));
    const controller = new AbortController();
    const waiting = drain(listEventPages(transport, BASE, 'c2', eventOptions({ pageSize, signal: controller.signal })));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    answer();
    await trying;
    expect(pageSize.size).toBe(150);
  });
});

function segmentPage(ids: string[], pages: unknown) {
  return { type: 'segment.list', segments: ids.map((id) => ({ type: 'segment', id, name: `s${id}`, person_type: 'user', count: 1 })), pages };
}

describe('segment and tag lists in pages', () => {
  it('follows pages.next URLs on the configured base', async () => {
    const { transport, requests } = scriptedTransport([
      segmentPage(['1', '2'], { type: 'pages', page: 1, total_pages: 2, next: 'https://api.eu.intercom.io/segments?include_count=true&page=2' }),
      segmentPage(['3'], { type: 'pages', page: 2, total_pages: 2 }),
    ]);
    const segments = await listSegments(transport, 'https://proxy.example.com/intercom');
    expect(segments.map((s) => s.id)).toEqual(['1', '2', '3']);
    expect(requests.map((r) => r.url)).toEqual([
      'https://proxy.example.com/intercom/segments?include_count=true',
      'https://proxy.example.com/intercom/segments?include_count=true&page=2',
    ]);
  });

  it('follows page / total_pages numbers when there is no next URL', async () => {
    const { transport, requests } = scriptedTransport([
      segmentPage(['1'], { page: 1, total_pages: 3 }),
      segmentPage(['2'], { page: 2, total_pages: 3 }),
      segmentPage(['3'], { page: 3, total_pages: 3 }),
    ]);
    expect((await listSegments(transport, BASE)).map((s) => s.id)).toEqual(['1', '2', '3']);
    expect(requests.map((r) => new URL(r.url).searchParams.get('page'))).toEqual([null, '2', '3']);
  });

  it('refuses a pages object that says more follows but gives no way to it', async () => {
    for (const pages of [{ next: { starting_after: 'x' } }, { total_pages: 3 }, { next: { page: 2 }, per_page: 2 }]) {
      const { transport, requests } = scriptedTransport([segmentPage(['1', '2'], pages)]);
      await expect(listSegments(transport, BASE), JSON.stringify(pages)).rejects.toBeInstanceOf(UnexpectedBodyError);
      expect(requests).toHaveLength(1);
    }
  });

  it('takes a pages object that says nothing more as the last page', async () => {
    for (const pages of [null, {}, { page: 1, total_pages: 1 }, { next: null }, { total_pages: 1 }]) {
      const { transport } = scriptedTransport([segmentPage(['1'], pages)]);
      expect((await listSegments(transport, BASE)).map((s) => s.id), JSON.stringify(pages)).toEqual(['1']);
    }
  });

  it('fails with PaginationLoopError on a repeated next URL or page numbers that do not move on', async () => {
    const link = `${BASE}/segments?include_count=true&page=2`;
    const loopingUrl = scriptedTransport([segmentPage(['1'], { next: link }), segmentPage(['2'], { next: link })]);
    await expect(listSegments(loopingUrl.transport, BASE)).rejects.toBeInstanceOf(PaginationLoopError);
    const stuck = scriptedTransport([segmentPage(['1'], { page: 1, total_pages: 3 }), segmentPage(['1'], { page: 1, total_pages: 3 })]);
    await expect(listSegments(stuck.transport, BASE)).rejects.toBeInstanceOf(PaginationLoopError);
  });

  it('follows tags in pages too, if an answer ever carries them', async () => {
    const { transport } = scriptedTransport([
      { type: 'list', data: [{ type: 'tag', id: 1, name: 'a' }], pages: { page: 1, total_pages: 2 } },
      { type: 'list', data: [{ type: 'tag', id: 2, name: 'b' }], pages: { page: 2, total_pages: 2 } },
    ]);
    expect((await listTags(transport, BASE)).map((t) => t.id)).toEqual(['1', '2']);
    const claim = scriptedTransport([{ type: 'list', data: [], pages: { next: { starting_after: 'x' } } }]);
    await expect(listTags(claim.transport, BASE)).rejects.toBeInstanceOf(UnexpectedBodyError);
  });
});
