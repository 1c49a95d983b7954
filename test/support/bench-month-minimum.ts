/**
 * The fewest API calls a month run can make against a sandbox workspace, computed from the sandbox's
 * ground truth (never from what a client did), for the `month` benchmark.
 *
 * - 1 GET /me (which workspace the run reads: its output and deployment are bound to it), 1 GET
 *   /segments + 1 GET /tags;
 * - per cohort, ceil(max(members, 1) / searchPerPage) search pages (an empty cohort still costs one);
 * - per unique member contact, the events pages a client must read to hold every listable event at or
 *   after `fetchFromSec`, following `pages.next` newest first. With n such events and m listable ones
 *   (created_at·1000 > cutoffMs, the server's 90-day cutoff):
 *     m = n: the list ends with them: ceil(max(m, 1) / eventsPerPage) pages (an empty list costs one);
 *     m > n: the client must see the first older event (index n) to know it has them all:
 *            floor(n / eventsPerPage) + 1 pages.
 *   Reading fewer would need knowledge the API does not give.
 * - with conversations on (report.conversations, the default): 1 POST /conversations/search probing
 *   the Read conversations permission (per run attempt; one attempt here), and per reported month M
 *   ceil(max(n, 1) / 150) search pages, n the conversations the search returns for the window the
 *   client asks for: W(M) widened by CONVERSATION_PADDING_SEC on each side, matched as the sandbox's
 *   default date rule does (strict `>` and `<`). W(M) starts at the first second of M in the report's
 *   zone (e2e-reference.ts finds it by bisection over Intl, not with src/report). The conversations
 *   are the sandbox's own ground truth (generateConversations), whoever opened them: the search
 *   cannot be narrowed to listed contacts.
 */
import { generateConversations } from '../../src/sandbox/generate-conversations.js';
import type { SandboxWorkspace } from '../../src/sandbox/types.js';
import { CONVERSATION_PADDING_SEC, CONVERSATIONS_PER_PAGE, monthAfter, monthStartSec } from './e2e-reference.js';

/** The access probe before a run lists conversations: one call per run attempt. */
export const CONVERSATION_PROBE_CALLS = 1;

export interface MinimumCallsInput {
  /** First second of the earliest window the run needs (the start of M-1). */
  fetchFromSec: number;
  /** The server's listing cutoff: events with created_at·1000 <= cutoffMs are not listable. */
  cutoffMs: number;
  eventsPerPage: number;
  searchPerPage: number;
  /** The run lists these months' conversations (report.conversations on), in `timeZone`; null: it lists none. */
  conversations: { months: readonly string[]; timeZone: string } | null;
}

/** One reported month's conversation listing. */
export interface MonthConversationCalls {
  month: string;
  /** Conversations the search returns for the padded window (strict `>` and `<`). */
  inWindow: number;
  /** ceil(max(inWindow, 1) / 150). */
  pages: number;
}

export interface MinimumCalls {
  total: number;
  searchPages: number;
  eventsPages: number;
  /** POST /conversations/search calls: the probe and every month's pages (0 with conversations off). */
  conversationCalls: number;
  /** The months' listings, in the order given; empty with conversations off. */
  conversationMonths: MonthConversationCalls[];
  /** How far beyond W(M) the listing asks, each side, in days (null with conversations off). */
  conversationPaddingDays: number | null;
  uniqueContacts: number;
  /** Cohort memberships (a contact in two cohorts counts twice). */
  memberships: number;
  /** The events pages each unique member contact needs (their sum is eventsPages). */
  eventsPagesByContact: Map<string, number>;
  /** Events pages a client that follows every `pages.next` to the end needs, per membership (no sharing). */
  eventsPagesAllPerMembership: number;
}

/** Every conversation's created_at, ascending, per workspace: generated once (~1.5 s at 100k contacts). */
const createdAtByWorkspace = new WeakMap<SandboxWorkspace, Float64Array>();

function conversationTimes(workspace: SandboxWorkspace): Float64Array {
  let times = createdAtByWorkspace.get(workspace);
  if (times === undefined) {
    times = Float64Array.from(generateConversations(workspace), (c) => c.created_at).sort();
    createdAtByWorkspace.set(workspace, times);
  }
  return times;
}

/** The POST /conversations/search calls listing `month`: pages of 150 over the padded window, strictly. */
export function monthConversationCalls(workspace: SandboxWorkspace, month: string, timeZone: string): MonthConversationCalls {
  const afterSec = monthStartSec(month, timeZone) - CONVERSATION_PADDING_SEC;
  const beforeSec = monthStartSec(monthAfter(month), timeZone) + CONVERSATION_PADDING_SEC;
  let inWindow = 0;
  for (const t of conversationTimes(workspace)) if (t > afterSec && t < beforeSec) inWindow += 1;
  return { month, inWindow, pages: Math.ceil(Math.max(inWindow, 1) / CONVERSATIONS_PER_PAGE) };
}

/** Pages needed to read the whole listable list of `listable` events. */
function pagesForAll(listable: number, perPage: number): number {
  return Math.ceil(Math.max(listable, 1) / perPage);
}

/**
 * @example
 * minimumCalls(sandbox.workspace, {
 *   fetchFromSec, cutoffMs: Date.now() - 90 * 86_400_000, eventsPerPage: 50, searchPerPage: 150,
 *   conversations: { months: ['2026-01'], timeZone: 'UTC' },
 * }).total
 */
export function minimumCalls(workspace: SandboxWorkspace, input: MinimumCallsInput): MinimumCalls {
  const { fetchFromSec, cutoffMs, eventsPerPage, searchPerPage, conversations } = input;
  const listableCount = new Map<string, { listable: number; needed: number }>();
  const countsOf = (contactId: string): { listable: number; needed: number } => {
    let counts = listableCount.get(contactId);
    if (counts === undefined) {
      counts = { listable: 0, needed: 0 };
      for (const event of workspace.eventsByContact.get(contactId) ?? []) {
        if (event.created_at * 1000 <= cutoffMs) continue;
        counts.listable += 1;
        if (event.created_at >= fetchFromSec) counts.needed += 1;
      }
      listableCount.set(contactId, counts);
    }
    return counts;
  };

  let searchPages = 0;
  let memberships = 0;
  let eventsPagesAllPerMembership = 0;
  const unique = new Set<string>();
  for (const members of workspace.membersByCohort.values()) {
    searchPages += Math.ceil(Math.max(members.length, 1) / searchPerPage);
    memberships += members.length;
    for (const id of members) {
      unique.add(id);
      eventsPagesAllPerMembership += pagesForAll(countsOf(id).listable, eventsPerPage);
    }
  }
  let eventsPages = 0;
  const eventsPagesByContact = new Map<string, number>();
  for (const id of unique) {
    const { listable, needed } = countsOf(id);
    const pages = listable > needed ? Math.floor(needed / eventsPerPage) + 1 : pagesForAll(listable, eventsPerPage);
    eventsPagesByContact.set(id, pages);
    eventsPages += pages;
  }
  const conversationMonths = (conversations?.months ?? []).map((m) => monthConversationCalls(workspace, m, conversations!.timeZone));
  const conversationCalls = conversations === null ? 0 : CONVERSATION_PROBE_CALLS + conversationMonths.reduce((sum, m) => sum + m.pages, 0);
  return {
    total: 3 + searchPages + eventsPages + conversationCalls,
    searchPages,
    eventsPages,
    conversationCalls,
    conversationMonths,
    conversationPaddingDays: conversations === null ? null : CONVERSATION_PADDING_SEC / 86_400,
    uniqueContacts: unique.size,
    memberships,
    eventsPagesByContact,
    eventsPagesAllPerMembership,
  };
}

/**
 * The conversation columns of a benchmark row: the calls the sandbox counted under
 * 'conversations.search' (`measured`) beside the minimum's, split into the probe and each month's
 * pages, with n per month and the window's padding.
 */
export function conversationColumns(minimum: MinimumCalls, measured: number): Record<string, string | number | null> {
  const on = minimum.conversationPaddingDays !== null;
  const byMonth = (f: (m: MonthConversationCalls) => number): string | null => (on ? minimum.conversationMonths.map((m) => `${m.month}:${f(m)}`).join(' ') : null);
  return {
    conversations: on ? 'on' : 'off',
    conversation_calls: measured,
    min_conversation_calls: minimum.conversationCalls,
    extra_conversation_calls: measured - minimum.conversationCalls,
    conversation_probe_calls: on ? CONVERSATION_PROBE_CALLS : 0,
    conversation_pages_by_month: byMonth((m) => m.pages),
    conversations_in_window_by_month: byMonth((m) => m.inWindow),
    conversation_padding_days: minimum.conversationPaddingDays,
  };
}
