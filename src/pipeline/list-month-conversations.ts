import type { ConversationWindow } from '../intercom/conversation-types.js';
import type { IntercomApi } from '../intercom/types.js';
import type { RunStore } from './run-store.js';

/** The most POST /conversations/search returns per page (INTERCOM.md): the fewest calls per month. */
export const CONVERSATIONS_PER_PAGE = 150;

/**
 * Lists one month's conversations (W(M), `window`) from where the store says the listing stopped to
 * its last page, recording each page as it arrives (RunStore.saveConversationPage: each page with its
 * cursor, atomically, keeping the conversations listed contacts opened). Call it only once every cohort
 * is paged. Each month is listed on its own, not the whole span of a backfill once: a month is then a
 * unit that resumes by its own cursor and runs as a job of its own in parallel with the others, and
 * it costs at most one page and the window's padding more than one listing of the span would.
 * Returns the number of pages fetched by this call.
 */
export async function listMonthConversations(
  api: IntercomApi,
  store: RunStore,
  month: string,
  window: ConversationWindow,
  options: { signal?: AbortSignal; afterSave?: () => void },
): Promise<number> {
  const progress = await store.conversationProgress(month);
  if (progress.done) return 0;
  let from = progress.cursor;
  let fetched = 0;
  for await (const page of api.listConversationPages(window, {
    startingAfter: from,
    perPage: CONVERSATIONS_PER_PAGE,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    fetched += 1;
    await store.saveConversationPage(month, from, page);
    options.afterSave?.();
    from = page.nextCursor;
  }
  return fetched;
}
