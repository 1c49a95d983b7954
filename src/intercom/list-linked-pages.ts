import type { Transport } from './create-transport.js';
import { createProgressGuard } from './create-progress-guard.js';
import { PaginationLoopError, UnexpectedBodyError } from './errors.js';
import { followNextUrl } from './follow-next-url.js';
import type { BodyParser, ListPage, ListPages } from './wire-schemas.js';

export interface LinkedListRequest<T> {
  /** Label for stats and errors: 'segments', 'tags'. */
  endpoint: string;
  /** What one item is, for errors: 'segment', 'tag' (default: the endpoint without its plural s). */
  item?: string;
  /** The endpoint's path below the base URL: '/segments'. */
  path: string;
  /** Query of the first page, without '?': 'include_count=true'. */
  query?: string;
  parse: BodyParser<ListPage<T>>;
  signal?: AbortSignal;
}

/** A `pages.next` that is a link to follow (anything else in `next` is a claim of more, not a way to it). */
function nextLink(pages: NonNullable<ListPages>): string | null {
  return typeof pages.next === 'string' && pages.next !== '' ? pages.next : null;
}

/**
 * Where the list goes on after a page, or null when the page is its last. A `pages` object that says
 * there is more (a `next` of any kind, or `page` below `total_pages`) must give a way to it — a next
 * URL, or page numbers to ask for page + 1 — or the list is refused: reporting its first page as the
 * whole list would lose every cohort after it.
 */
function nextPageUrl(pages: ListPages, url: string, baseUrl: string, req: LinkedListRequest<unknown>): string | null {
  if (!pages) return null;
  const link = nextLink(pages);
  if (link !== null) return followNextUrl(link, baseUrl, req.endpoint, req.path);
  const { page, total_pages: total } = pages;
  if (typeof page === 'number' && typeof total === 'number') {
    if (page >= total) return null;
    const following = new URL(url);
    following.searchParams.set('page', String(page + 1));
    return following.href;
  }
  const claimsMore = (pages.next !== undefined && pages.next !== null) || (typeof total === 'number' && total > 1);
  if (!claimsMore) return null;
  throw new UnexpectedBodyError(
    `Intercom ${req.endpoint} answered a page whose pages object says more follows, with neither a pages.next URL nor page and total_pages numbers: the list cannot be followed to its end`,
    { endpoint: req.endpoint, status: 200, reason: 'wrong-shape' },
  );
}

/**
 * Every item of a GET list that is normally one answer (segments, tags), following its pages when an
 * answer carries them: `pages.next` on the configured base (followNextUrl), else `page`/`total_pages`.
 * A link seen before, or page numbers that do not move forward, fail with PaginationLoopError; fresh
 * links to pages with no item not seen before fail after a few in a row (PaginationStalledError).
 */
export async function listLinkedPages<T extends { id: string }>(transport: Transport, baseUrl: string, req: LinkedListRequest<T>): Promise<T[]> {
  let url = `${baseUrl}${req.path}${req.query ? `?${req.query}` : ''}`;
  const seenUrls = new Set<string>([url]);
  const progress = createProgressGuard({ endpoint: req.endpoint, item: req.item ?? req.endpoint.replace(/s$/, ''), remember: 'ids' });
  let lastPage = 0;
  const items: T[] = [];
  for (;;) {
    const answer = await transport.send({ endpoint: req.endpoint, method: 'GET', url, parse: req.parse, signal: req.signal });
    items.push(...answer.items);
    const page = answer.pages?.page;
    if (typeof page === 'number') {
      if (page <= lastPage) {
        throw new PaginationLoopError(`Intercom ${req.endpoint} answered page ${page} after page ${lastPage}: the API is looping`, {
          endpoint: req.endpoint,
          status: 200,
        });
      }
      lastPage = page;
    }
    const next = nextPageUrl(answer.pages, url, baseUrl, req);
    if (next === null) return items;
    progress.beforeNextPage(answer.items.map((item) => item.id));
    if (seenUrls.has(next)) {
      throw new PaginationLoopError(
        `Intercom ${req.endpoint} returned a pages.next it had already returned (after ${seenUrls.size} pages): the API is looping`,
        { endpoint: req.endpoint, status: 200 },
      );
    }
    seenUrls.add(next);
    url = next;
  }
}
