/**
 * The conversations one listed contact opened, as the run stores them (Redis hash value, memory-store
 * map value, journal): one short string of entries joined by `;`, each
 * `<id>,<month>,<replied>,<reply seconds>,<rating>,<reopened>`:
 * - id: the conversation's id, percent-encoded (encodeURIComponent), so it holds no `,`, `;` or `|`
 *   whatever the server sent, and one entry per id can be found with a plain substring search (the
 *   Lua script that records a page does exactly that: ./lua/save-conversations-2+.lua);
 * - month: the reported month (`YYYY-MM`) whose W(M) holds its created_at;
 * - replied and reopened: `1` or `0`; reply seconds and rating: the figure, or empty for none.
 * Only what cohort_conversations.csv needs is kept (METRICS.md), never the conversation itself: a
 * contact who opened nothing has no entry at all.
 */
import type { ConversationPage } from '../intercom/conversation-types.js';
import { openedBy, type ContactConversations, type ConversationFacts } from '../report/contact-conversations.js';

/** The entry of one conversation (its id not yet part of it: see entryKey). */
export function encodeConversationFacts(month: string, [replied, replySeconds, rating, reopened]: ConversationFacts): string {
  return `${month},${replied ? 1 : 0},${replySeconds ?? ''},${rating ?? ''},${reopened ? 1 : 0}`;
}

/** The stored form of a conversation id: the start of its entry, up to the first `,`. */
export function entryKey(conversationId: string): string {
  return encodeURIComponent(conversationId);
}

/** Adds one entry to a contact's conversations part, unless its id is already there. Returns null when it is. */
export function addConversationEntry(part: string, key: string, facts: string): string | null {
  if (`;${part}`.includes(`;${key},`)) return null;
  return part === '' ? `${key},${facts}` : `${part};${key},${facts}`;
}

const ENTRY = /^[^,;|]+,(\d{4}-(?:0[1-9]|1[0-2])),([01]),(\d{0,16}),([1-5]?),([01])$/;

/**
 * Why `part` is not a conversations part the run wrote (null when it is): every entry well formed,
 * reply seconds a safe integer, and each id once. A journal is a file anyone can edit.
 */
export function checkConversationsPart(part: string): string | null {
  if (part === '') return 'an empty conversations part';
  const ids = new Set<string>();
  for (const entry of part.split(';')) {
    const m = ENTRY.exec(entry);
    if (m === null) return 'a malformed conversation entry';
    if (m[3] !== '' && !Number.isSafeInteger(Number(m[3]))) return 'a reply time beyond a safe integer';
    const id = entry.slice(0, entry.indexOf(','));
    if (ids.has(id)) return 'a conversation listed twice for one contact';
    ids.add(id);
  }
  return null;
}

/** A stored conversations part as the summary reads it; null for none. */
export function decodeContactConversations(part: string | undefined): ContactConversations | null {
  if (part === undefined || part === '') return null;
  const months: ContactConversations['months'] = {};
  for (const entry of part.split(';')) {
    const [, month, replied, replySeconds, rating, reopened] = entry.split(',') as [string, string, string, string, string, string];
    const facts: ConversationFacts = [replied === '1', replySeconds === '' ? null : Number(replySeconds), rating === '' ? null : Number(rating), reopened === '1'];
    const list = months[month];
    if (list === undefined) months[month] = [facts];
    else list.push(facts);
  }
  return { months };
}

/**
 * A page's conversations as the stores record them: for each one a contact opened (openedBy), its
 * contact id, entry key and facts, flattened; and how many nobody opened.
 */
export function conversationEntries(month: string, page: ConversationPage): { entries: string[]; unowned: number } {
  const entries: string[] = [];
  let unowned = 0;
  for (const c of page.conversations) {
    const contactId = openedBy(c);
    if (contactId === null) unowned += 1;
    else entries.push(contactId, entryKey(c.id), encodeConversationFacts(month, [c.replied, c.replySeconds, c.rating, c.reopened]));
  }
  return { entries, unowned };
}
