import type { ClientLogger, Transport } from './create-transport.js';
import { createProgressGuard } from './create-progress-guard.js';
import { BadRequestError, PaginationLoopError } from './errors.js';
import type { EventsPageSize, EventsPageSizeMemory } from './events-page-size.js';
import { followNextUrl } from './follow-next-url.js';
import type { ContactEvent } from './types.js';
import { parseEventList } from './wire-schemas.js';

/** How long one caller may try page sizes before another may (a lease, in case the caller died). */
const TRIAL_LEASE_MS = 120_000;
/** How often the others look whether the trial has settled a size. */
const TRIAL_POLL_MS = 20;

export interface ListEventPagesOptions {
  notBeforeSec?: number;
  /** Sizes to try on the first page, in order (see events-page-size.ts). */
  pageSizes: readonly EventsPageSize[];
  /** Where the size that worked is kept for the rest of the run. */
  pageSizeMemory: EventsPageSizeMemory;
  signal?: AbortSignal;
  logger: ClientLogger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Metadata is an object of values; an array, a string or null holds no value (so no amount). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 400 that names per_page: the size asked for is refused, a smaller one may work. */
function refusesPerPage(err: unknown): boolean {
  return err instanceof BadRequestError && err.status === 400 && (err.intercomField === 'per_page' || /per_page/i.test(err.message));
}

type EventList = Extract<ReturnType<typeof parseEventList>, { ok: true }>['value'];

/**
 * The first page, at the run's page size: the settled one, or — holding the trial — the first of
 * `pageSizes` the API does not refuse with a 400 naming per_page, which is then settled for everyone.
 */
async function sendFirstPage(
  send: (size: EventsPageSize) => Promise<EventList>,
  options: ListEventPagesOptions,
): Promise<{ page: EventList; size: EventsPageSize }> {
  const memory = options.pageSizeMemory;
  for (;;) {
    const settled = await memory.settled();
    if (settled !== null) return { page: await send(settled), size: settled };
    if (!(await memory.claimTrial(TRIAL_LEASE_MS))) {
      await options.sleep(TRIAL_POLL_MS, options.signal);
      continue;
    }
    // The holder before us may have settled between our look and our claim (it settles, then gives
    // the trial up): trying again would pay the refused sizes twice.
    const settledMeanwhile = await memory.settled();
    if (settledMeanwhile !== null) {
      await memory.releaseTrial();
      return { page: await send(settledMeanwhile), size: settledMeanwhile };
    }
    try {
      for (let i = 0; ; i += 1) {
        const size = options.pageSizes[i]!;
        try {
          const page = await send(size);
          await memory.settle(size);
          return { page, size };
        } catch (err) {
          const smaller = options.pageSizes[i + 1];
          if (smaller === undefined || !refusesPerPage(err)) throw err;
          options.logger.warn({ endpoint: 'events', perPage: size, next: smaller }, 'events per_page refused: asking for smaller pages');
        }
      }
    } catch (err) {
      await memory.releaseTrial();
      throw err;
    }
  }
}

/**
 * A contact's listable events (the last 90 days), page by page, following `pages.next` on the
 * configured base URL (see followNextUrl) until it is absent. The first page asks for the run's page
 * size (see sendFirstPage); later pages follow the link as the API wrote it, so a server that clamps
 * the size simply gives more pages.
 *
 * With `notBeforeSec`, paging stops after a page whose oldest (last) event is older than it: in
 * newest-first order every later page holds only older events, ties included. That holds only while
 * every event so far came newest first (non-increasing `created_at` within and across
 * pages). Newest-first order is implied by Intercom's `before=` cursor, not documented, so once it is
 * broken the walk goes on to the last page: an early stop must never lose an event.
 *
 * A link seen before fails as a loop (PaginationLoopError); fresh links to pages with no event not
 * seen before fail after a few in a row (PaginationStalledError, see create-progress-guard.ts).
 */
export async function* listEventPages(
  transport: Transport,
  baseUrl: string,
  contactId: string,
  options: ListEventPagesOptions,
): AsyncGenerator<ContactEvent[]> {
  const sendAt = (url: string): Promise<EventList> =>
    transport.send({ endpoint: 'events', method: 'GET', url, parse: parseEventList, signal: options.signal, subject: `contact ${contactId}` });
  const firstUrl = (size: EventsPageSize): string => {
    const query = new URLSearchParams({ type: 'user', intercom_user_id: contactId });
    if (size !== 'omit') query.set('per_page', String(size));
    return `${baseUrl}/events?${query.toString()}`;
  };
  const first = await sendFirstPage((size) => sendAt(firstUrl(size)), options);
  let page = first.page;
  const seenUrls = new Set<string>([firstUrl(first.size)]);
  const progress = createProgressGuard({ endpoint: 'events', subject: `contact ${contactId}`, item: 'event', remember: 'ids' });
  let newestFirst = true;
  let previousSec = Number.POSITIVE_INFINITY;

  for (;;) {
    const events: ContactEvent[] = page.events.map((event) => ({
      id: event.id,
      name: event.event_name,
      createdAtSec: event.created_at,
      metadata: isPlainObject(event.metadata) ? event.metadata : {},
    }));
    for (const event of events) {
      if (newestFirst && event.createdAtSec > previousSec) {
        newestFirst = false;
        options.logger.warn({ endpoint: 'events' }, 'events are not newest first: reading every page');
      }
      previousSec = event.createdAtSec;
    }
    yield events;

    const next = page.pages?.next;
    if (!next) return;
    const notBeforeSec = options.notBeforeSec;
    if (
      notBeforeSec !== undefined &&
      newestFirst &&
      (events.at(-1)?.createdAtSec ?? Number.POSITIVE_INFINITY) < notBeforeSec
    ) {
      return;
    }
    progress.beforeNextPage(events.map((event) => event.id));
    const url = followNextUrl(next, baseUrl, 'events', '/events');
    if (seenUrls.has(url)) {
      throw new PaginationLoopError(
        `Intercom events returned a pages.next it had already returned (after ${seenUrls.size} pages): the API is looping`,
        { endpoint: 'events', status: 200 },
      );
    }
    seenUrls.add(url);
    page = await sendAt(url);
  }
}
