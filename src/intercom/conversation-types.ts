/**
 * The normalised shapes of POST /conversations/search, as the client yields them (see
 * conversation-schemas.ts for how each is read from the wire, and METRICS.md's cohort_conversations.csv
 * for the definitions they follow).
 */

/** `source.author` of a conversation: who started it. */
export interface ConversationAuthor {
  /** As Intercom sent it: `user`, `lead` or `contact` for a customer; `admin`, `bot`, `team`, … otherwise. */
  type: string;
  /** Always present for a customer type; null when another kind of author came without a readable id. */
  id: string | null;
}

export interface Conversation {
  id: string;
  createdAtSec: number;
  /** null when the conversation has no author (none sent, null, or blank, as for Twitter): opened by nobody. */
  author: ConversationAuthor | null;
  /** `statistics.first_admin_reply_at` is a number. */
  replied: boolean;
  /** `statistics.time_to_admin_reply` when it is a non-negative integer (seconds), else null. */
  replySeconds: number | null;
  /** `conversation_rating.rating` when it is an integer from 1 to 5, else null. */
  rating: number | null;
  /** `statistics.count_reopens` >= 1. */
  reopened: boolean;
}

/** A month's window W(M) in Unix seconds, half-open: [startSec, endSec). */
export interface ConversationWindow {
  startSec: number;
  endSec: number;
}

export interface ConversationPage {
  /** The page's conversations created in the window, each listed once in the whole list. */
  conversations: Conversation[];
  /** Cursor for the following page; null on the last page. */
  nextCursor: string | null;
}
