import { checkLastSearchPage } from './check-last-search-page.js';
import type { ConversationPage, ConversationWindow } from './conversation-types.js';
import { parseConversationList } from './conversation-schemas.js';
import type { BodyParser } from './wire-values.js';

/** A search answer as parseConversationList reads it. */
type ConversationList = typeof parseConversationList extends BodyParser<infer T> ? T : never;
import type { Transport } from './create-transport.js';
import { createProgressGuard } from './create-progress-guard.js';
import { AuthenticationError, IntercomOptionsError, PaginationLoopError } from './errors.js';

/**
 * How far beyond W(M) the search asks, on each side. Intercom describes `>`/`<` on conversation dates
 * as "greater (or equal)" / "lower (or equal)", and on contact dates as matching by calendar day in the
 * workspace's zone (`>` from the start of the next day, `<` before the start of the given day); which
 * rule the conversation search follows is unverified (INTERCOM.md). Two days is more than any calendar
 * day (25 hours at most, on a DST change) past W(M) on either side, so every rule lists all of W(M);
 * the client then keeps exactly W(M) itself.
 */
export const CONVERSATION_WINDOW_PADDING_SEC = 2 * 86_400;

const ENDPOINT = 'conversations.search';

/**
 * The conversations created in `window` (W(M), half-open), page by page, through POST
 * /conversations/search (per_page in the body, the cursor in the body as for contacts). The query
 * asks for a window wider by CONVERSATION_WINDOW_PADDING_SEC on each side; each page yields only the
 * conversations whose created_at is in [startSec, endSec), and each of those once by id, even when
 * the API repeats it on a later page (the ids are kept for the whole list: a month's conversations).
 * A caller resuming from `startingAfter` gets no de-duplication against the pages read before it.
 *
 * Paging follows listMemberPages: a cursor seen before fails with PaginationLoopError, pages that bring
 * nothing new fail with PaginationStalledError after a few in a row (create-progress-guard.ts), and a
 * full page with no cursor fails with UnexpectedBodyError (check-last-search-page.ts).
 *
 * A token without the app's Read conversations permission is refused by Intercom with 401 or 403
 * (which one is unverified): both are the client's AuthenticationError (error-for-status.ts), fatal and
 * never retried; its message here also names the permission.
 */
export async function* listConversationPages(
  transport: Transport,
  baseUrl: string,
  window: ConversationWindow,
  options: { startingAfter?: string | null; perPage: number; signal?: AbortSignal },
): AsyncGenerator<ConversationPage> {
  const { startSec, endSec } = window;
  if (!(Number.isSafeInteger(startSec) && Number.isSafeInteger(endSec) && startSec < endSec)) {
    throw new IntercomOptionsError(`the conversations window must be whole Unix seconds with start before end (got [${startSec}, ${endSec}))`);
  }
  const query = {
    operator: 'AND',
    value: [
      { field: 'created_at', operator: '>', value: startSec - CONVERSATION_WINDOW_PADDING_SEC },
      { field: 'created_at', operator: '<', value: endSec + CONVERSATION_WINDOW_PADDING_SEC },
    ],
  };
  let cursor = options.startingAfter ?? null;
  const seenCursors = new Set<string>(cursor === null ? [] : [cursor]);
  const listed = new Set<string>();
  const subject = `created_at in [${startSec}, ${endSec})`;
  const progress = createProgressGuard({ endpoint: ENDPOINT, subject, item: 'conversation', remember: 'fingerprints' });
  for (;;) {
    const page = await searchConversations(transport, baseUrl, {
      body: {
        query,
        pagination: cursor === null ? { per_page: options.perPage } : { per_page: options.perPage, starting_after: cursor },
      },
      subject,
      signal: options.signal,
    });
    const nextCursor = page.pages?.next?.starting_after || null;
    if (nextCursor === null) checkLastSearchPage(page, page.conversations.length, options.perPage, { endpoint: ENDPOINT, subject, item: 'conversation' });
    const conversations = page.conversations.filter((c) => {
      if (c.createdAtSec < startSec || c.createdAtSec >= endSec || listed.has(c.id)) return false;
      listed.add(c.id);
      return true;
    });
    yield { conversations, nextCursor };
    if (nextCursor === null) return;
    progress.beforeNextPage(page.conversations.map((c) => c.id));
    if (seenCursors.has(nextCursor)) {
      throw new PaginationLoopError(
        `Intercom ${ENDPOINT} returned a cursor it had already returned (after ${seenCursors.size} pages): the API is looping`,
        { endpoint: ENDPOINT, status: 200 },
      );
    }
    seenCursors.add(nextCursor);
    cursor = nextCursor;
  }
}

/**
 * One POST /conversations/search with `body`, shape-checked, its refusal (401/403) naming the Read
 * conversations permission: the one sender of the listing and the access probe
 * (check-conversations-access.ts).
 */
export async function searchConversations(
  transport: Transport,
  baseUrl: string,
  request: { body: unknown; subject: string; signal?: AbortSignal | undefined },
): Promise<ConversationList> {
  return transport
    .send({
      endpoint: ENDPOINT,
      method: 'POST',
      url: `${baseUrl}/conversations/search`,
      body: request.body,
      parse: parseConversationList,
      signal: request.signal,
      subject: request.subject,
    })
    .catch((error: unknown) => {
      throw error instanceof AuthenticationError ? nameReadConversationsPermission(error) : error;
    });
}

/**
 * A refusal of POST /conversations/search (401/403) as the same AuthenticationError, its message
 * naming the Read conversations permission and both ways out, on one line: what a run or `check`
 * shows a person. Shared by the listing and the access probe (check-conversations-access.ts).
 */
export function nameReadConversationsPermission(error: AuthenticationError): AuthenticationError {
  return new AuthenticationError(
    `${error.message}; reading conversations needs the app's permission: set report.conversations: false in the config ` +
      '(no cohort_conversations.csv), or in the Intercom Developer Hub grant the app the Read conversations permission',
    {
      endpoint: error.endpoint,
      status: error.status,
      intercomCode: error.intercomCode,
      intercomField: error.intercomField,
      requestId: error.requestId,
      attempts: error.attempts,
    },
  );
}
