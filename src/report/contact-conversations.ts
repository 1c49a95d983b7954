/**
 * What the report keeps about the conversations one contact opened: per reported month, one compact
 * tuple per conversation with only what cohort_conversations.csv needs (METRICS.md). Plain JSON, as
 * ContactStats is, so the distributed run can store it beside a contact's event stats.
 *
 * The caller gives each conversation once: the client's listing of a month already keeps each id once
 * (list-conversation-pages.ts), and a conversation's created_at puts it in one month only.
 */
import type { Conversation } from '../intercom/conversation-types.js';
import type { ReportWindows } from './create-report-windows.js';

/**
 * One opened conversation: replied (first_admin_reply_at is a number), reply time in seconds (null
 * when none), rating 1–5 (null when not rated), reopened (count_reopens >= 1).
 */
export type ConversationFacts = [replied: boolean, replySeconds: number | null, rating: number | null, reopened: boolean];

export interface ContactConversations {
  /** Keyed `YYYY-MM` (reported months only); a month in which the contact opened nothing is absent. */
  months: Record<string, ConversationFacts[]>;
}

/** The author types of a customer: a conversation they start is opened by that contact. */
const CONTACT_AUTHOR_TYPES: ReadonlySet<string> = new Set(['user', 'lead', 'contact']);

/**
 * The id of the contact that opened `conversation`, or null when a contact did not open it (an admin,
 * team, bot, campaign or automated message started it, or it has no author): such a conversation
 * counts in no row.
 *
 * @example
 * openedBy({ ...conversation, author: { type: 'lead', id: 'c1' } }); // "c1"
 * openedBy({ ...conversation, author: { type: 'admin', id: 'a7' } }); // null
 */
export function openedBy(conversation: Conversation): string | null {
  const author = conversation.author;
  if (author === null || !CONTACT_AUTHOR_TYPES.has(author.type)) return null;
  return author.id;
}

/** @example const opened = createContactConversations(); */
export function createContactConversations(): ContactConversations {
  return { months: {} };
}

/**
 * Adds one conversation the contact opened (mutating `acc`) to the reported month whose W(M) holds its
 * created_at. Returns false, keeping nothing, when no reported month does: the windows of the months
 * before them (there for the lifecycle columns) get no conversation row.
 *
 * @example
 * const opened = createContactConversations();
 * if (openedBy(conversation) === contactId) foldConversation(opened, conversation, windows);
 */
export function foldConversation(acc: ContactConversations, conversation: Conversation, windows: ReportWindows): boolean {
  const sec = conversation.createdAtSec;
  const w = windows.windows.find((candidate) => sec >= candidate.startSec && sec < candidate.endSec);
  if (w === undefined || !windows.reportMonths.includes(w.month)) return false;
  const facts: ConversationFacts = [conversation.replied, conversation.replySeconds, conversation.rating, conversation.reopened];
  const list = acc.months[w.month];
  if (list === undefined) acc.months[w.month] = [facts];
  else list.push(facts);
  return true;
}
