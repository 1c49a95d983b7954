import type { Transport } from './create-transport.js';
import { PaginationLoopError } from './errors.js';
import type { Cohort, Member, MemberPage } from './types.js';
import { parseContactList } from './wire-schemas.js';

export const MAX_SEARCH_PER_PAGE = 150;

/**
 * A cohort's members, page by page, through `POST /contacts/search` (the cursor travels in the body;
 * as a query parameter Intercom ignores it). Stops when `pages.next` is absent or carries no cursor.
 * A cursor seen before means the API is looping: that fails with PaginationLoopError instead of
 * paging forever.
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
    });
    const nextCursor = page.pages?.next?.starting_after || null;
    const members: Member[] = page.data.map((contact) => ({
      id: contact.id,
      role: contact.role,
      createdAtSec: contact.created_at,
      signedUpAtSec: contact.signed_up_at ? contact.signed_up_at : null,
    }));
    yield { members, totalCount: page.total_count ?? null, nextCursor };
    if (nextCursor === null) return;
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
