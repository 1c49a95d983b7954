import type { ClientLogger, Transport } from './create-transport.js';
import { ForeignNextUrlError, PaginationLoopError, UnexpectedBodyError } from './errors.js';
import type { ContactEvent } from './types.js';
import { parseEventList } from './wire-schemas.js';

/**
 * `pages.next` made absolute against the base URL, and refused unless it is on the base URL's own
 * origin (scheme, host and port): it is followed with the Authorization header, so a next link to
 * anywhere else would hand the token to that host.
 */
export function resolveNextUrl(next: string, baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(next, `${baseUrl}/`);
  } catch {
    throw new UnexpectedBodyError('Intercom events answered with a pages.next that is not a URL', {
      endpoint: 'events',
      status: 200,
      reason: 'wrong-shape',
    });
  }
  const expected = new URL(baseUrl).origin;
  if (url.origin !== expected) {
    throw new ForeignNextUrlError(
      `Intercom events answered with a pages.next on ${url.origin}, not ${expected}: refusing to send the token to another origin`,
      { endpoint: 'events', status: 200 },
    );
  }
  return url.href;
}

/** Metadata is an object of values; an array, a string or null holds no value (so no amount). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A contact's listable events (the last 90 days), page by page, following `pages.next` as given.
 *
 * With `notBeforeSec`, paging stops after a page whose oldest (last) event is older than it: in
 * newest-first order every later page holds only older events, ties included. That holds only while
 * every event so far came newest first (non-increasing `created_at` within and across
 * pages). Newest-first order is implied by Intercom's `before=` cursor, not documented, so once it is
 * broken the walk goes on to the last page: an early stop must never lose an event.
 */
export async function* listEventPages(
  transport: Transport,
  baseUrl: string,
  contactId: string,
  options: { notBeforeSec?: number; perPage?: number; signal?: AbortSignal; logger: ClientLogger },
): AsyncGenerator<ContactEvent[]> {
  const query = new URLSearchParams({ type: 'user', intercom_user_id: contactId });
  if (options.perPage !== undefined) query.set('per_page', String(options.perPage));
  let url = `${baseUrl}/events?${query.toString()}`;
  const seenUrls = new Set<string>([url]);
  let newestFirst = true;
  let previousSec = Number.POSITIVE_INFINITY;

  for (;;) {
    const page = await transport.send({
      endpoint: 'events',
      method: 'GET',
      url,
      parse: parseEventList,
      signal: options.signal,
      subject: `contact ${contactId}`,
    });
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
    url = resolveNextUrl(next, baseUrl);
    if (seenUrls.has(url)) {
      throw new PaginationLoopError(
        `Intercom events returned a pages.next it had already returned (after ${seenUrls.size} pages): the API is looping`,
        { endpoint: 'events', status: 200 },
      );
    }
    seenUrls.add(url);
  }
}
