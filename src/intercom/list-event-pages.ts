import type { ClientLogger, Transport } from './create-transport.js';
import { createProgressGuard } from './create-progress-guard.js';
import { PaginationLoopError } from './errors.js';
import type { EventsPageSize, EventsPageSizeLearner } from './events-page-size.js';
import { followNextUrl } from './follow-next-url.js';
import type { ContactEvent } from './types.js';
import { parseEventList } from './wire-schemas.js';

export interface ListEventPagesOptions {
  notBeforeSec?: number;
  /** The client's page size for the first page (see events-page-size.ts). */
  pageSize: EventsPageSizeLearner;
  signal?: AbortSignal;
  logger: ClientLogger;
}

/** Metadata is an object of values; an array, a string or null holds no value (so no amount). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type EventList = Extract<ReturnType<typeof parseEventList>, { ok: true }>['value'];

/**
 * A contact's listable events (the last 90 days), page by page, following `pages.next` on the
 * configured base URL (see followNextUrl) until it is absent. The first page asks for the client's
 * page size (learnt on its first events call, see events-page-size.ts); later pages follow the link as
 * the API wrote it, so a server that clamps the size simply gives more pages.
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
  const first = await options.pageSize.firstPage((size) => sendAt(firstUrl(size)), options.signal);
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
