import type { Transport } from './create-transport.js';
import { createProgressGuard } from './create-progress-guard.js';
import { checkLastSearchPage } from './check-last-search-page.js';
import { PaginationLoopError } from './errors.js';
import type { Cohort, Member, MemberPage } from './types.js';
import { parseContactList } from './wire-schemas.js';

export const MAX_SEARCH_PER_PAGE = 150;

/**
 * A cohort's members, page by page, through `POST /contacts/search` (the cursor travels in the body;
 * as a query parameter Intercom ignores it). Stops when `pages.next` is absent or carries no cursor.
 * A cursor seen before means the API is looping: that fails with PaginationLoopError instead of
 * paging forever; fresh cursors to pages with no contact not seen before fail after a few in a row
 * (PaginationStalledError, see create-progress-guard.ts).
 *
 * A page without a cursor ends the list only when it can be the last: `pages.page` has reached
 * `pages.total_pages`, or, when the answer does not say, the page holds fewer contacts than asked
 * for. A full page with no way to the next one (a proxy that dropped `pages`, a `next` without its
 * `starting_after`) fails with UnexpectedBodyError: stopping there would silently lose members.
 * A page larger than asked for is data, and is taken whole.
 */
export async function* listMemberPages(
  transport: Transport,
  baseUrl: string,
  cohort: Pick<Cohort, 'type' | 'id'>,
  options: { startingAfter?: string | null; perPage: number; signal?: AbortSignal },
): AsyncGenerator<MemberPage> {
  const field = cohort.type === 'segment' ? 'segment_id' : 'tag_id';
  let cursor = options.startingAfter ?? null;
  const seenCursors = new Set<string>(cursor === null ? [] : [cursor]);
  const subject = `${cohort.type} ${cohort.id}`;
  const progress = createProgressGuard({ endpoint: 'contacts.search', subject, item: 'contact', remember: 'fingerprints' });
  for (;;) {
    const page = await transport.send({
      endpoint: 'contacts.search',
      method: 'POST',
      url: `${baseUrl}/contacts/search`,
      body: {
        query: { field, operator: '=', value: cohort.id },
        pagination: cursor === null ? { per_page: options.perPage } : { per_page: options.perPage, starting_after: cursor },
      },
      parse: parseContactList,
      signal: options.signal,
      subject,
    });
    const nextCursor = page.pages?.next?.starting_after || null;
    if (nextCursor === null) checkLastSearchPage(page, page.data.length, options.perPage, { endpoint: 'contacts.search', subject: `${cohort.type} ${cohort.id}`, item: 'contact' });
    const members: Member[] = page.data.map((contact) => ({
      id: contact.id,
      role: contact.role,
      createdAtSec: contact.created_at,
      signedUpAtSec: contact.signed_up_at ? contact.signed_up_at : null,
      unsubscribedFromEmails: contact.unsubscribed_from_emails,
    }));
    yield { members, totalCount: page.total_count ?? null, nextCursor };
    if (nextCursor === null) return;
    progress.beforeNextPage(members.map((member) => member.id));
    if (seenCursors.has(nextCursor)) {
      throw new PaginationLoopError(
        `Intercom contacts.search returned a cursor it had already returned (after ${seenCursors.size} pages): the API is looping`,
        { endpoint: 'contacts.search', status: 200 },
      );
    }
    seenCursors.add(nextCursor);
    cursor = nextCursor;
  }
}

