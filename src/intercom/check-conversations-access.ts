import type { Transport } from './create-transport.js';
import { searchConversations } from './list-conversation-pages.js';

const DAY_SEC = 86_400;

/**
 * Whether the token may search conversations (the app's Read conversations permission), asked with
 * ONE POST /conversations/search for a single conversation of the last day — the cheapest search the
 * API takes — before a run spends any call on members or events. It goes through the transport like
 * any call: paced by the shared limiter, retried as any call is, counted under 'conversations.search'.
 *
 * Resolves when the answer is a well-formed conversation list (whatever it holds, even nothing).
 * A refusal (401 or 403, which one is unverified) is the listing's AuthenticationError, its message
 * naming the permission and both fixes (list-conversation-pages.ts); a body that cannot be read fails
 * as it does for the listing (UnexpectedBodyError).
 *
 * @example
 * await checkConversationsAccess(transport, 'https://api.intercom.io', { nowSec: 1_762_041_600 });
 */
export async function checkConversationsAccess(
  transport: Transport,
  baseUrl: string,
  options: { nowSec: number; signal?: AbortSignal | undefined },
): Promise<void> {
  const sinceSec = Math.floor(options.nowSec) - DAY_SEC;
  await searchConversations(transport, baseUrl, {
    body: { query: { field: 'created_at', operator: '>', value: sinceSec }, pagination: { per_page: 1 } },
    subject: `created_at > ${sinceSec} (access check)`,
    signal: options.signal,
  });
}
