/**
 * Whether a search page without a cursor to the next one (POST /contacts/search,
 * /conversations/search) can be the last. It can when `pages.page` has reached `pages.total_pages`,
 * or, when the answer does not say, when it holds fewer items than asked for. A full page with no way
 * to the next one (a proxy that dropped `pages`, a `next` without its `starting_after`) fails with
 * UnexpectedBodyError: stopping there would silently lose items.
 */
import { UnexpectedBodyError } from './errors.js';

export interface SearchPageCount {
  pages?: { page?: number | null; total_pages?: number | null } | null;
}

/**
 * @example
 * checkLastSearchPage(page, page.data.length, 150, { endpoint: 'contacts.search', subject: 'tag 7', item: 'contact' });
 */
export function checkLastSearchPage(
  page: SearchPageCount,
  listed: number,
  perPage: number,
  about: { endpoint: string; subject: string; item: string },
): void {
  const number = page.pages?.page;
  const total = page.pages?.total_pages;
  const said = typeof number === 'number' && typeof total === 'number';
  if (said ? number >= total : listed < perPage) return;
  const why = said
    ? `pages.page ${number} is before pages.total_pages ${total}`
    : `it is a full page (${listed} ${about.item}s for per_page ${perPage})`;
  throw new UnexpectedBodyError(
    `Intercom ${about.endpoint} (${about.subject}) answered a page without pages.next.starting_after, but ${why}: the list cannot be followed to its end`,
    { endpoint: about.endpoint, status: 200, reason: 'wrong-shape' },
  );
}
