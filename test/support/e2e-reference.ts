/**
 * What an end-to-end run against a sandbox must produce, computed from the sandbox's ground truth
 * (`sandbox.workspace`) with the brute-force reference of report-reference.ts, not with src/: the
 * months' local boundaries come from Intl, the 90-day listing rule is restated here, and the numbers of
 * pages the API needs are counted from the data.
 */
import { workspaceConversations } from '../../src/sandbox/generate-conversations.js';
import type { SandboxWorkspace } from '../../src/sandbox/types.js';
import { conversationFromWire, REF_CONVERSATIONS_HEADER, referenceConversations } from './conversations-reference.js';
import {
  localMonth,
  monthBefore,
  referenceCsvText,
  referenceMonth,
  referenceRetentionHistory,
  referenceTrends,
  type RawData,
  type ReferenceTables,
} from './report-reference.js';

/** Intercom lists events younger than 90 days (strictly), measured by the server's clock. */
export const LISTABLE_AGE_SEC = 90 * 86_400;

export function monthAfter(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}

/** The first second that lies in `month` in `timeZone`, by bisection over Intl's local month. */
export function monthStartSec(month: string, timeZone: string): number {
  const utcStart = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1) / 1000;
  let lo = utcStart - 2 * 86_400; // surely before the month in every zone
  let hi = utcStart + 2 * 86_400; // surely inside it
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localMonth(mid, timeZone) >= month) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The month before the one `nowSec` falls in, in `timeZone`: the latest month that has ended. */
export function lastEndedMonth(nowSec: number, timeZone: string): string {
  return monthBefore(localMonth(nowSec, timeZone));
}

/** "Starts more than 90 days before now" — the rule for refusing a month and for blanking `_prev` columns. */
export function startsBeyondRetention(month: string, timeZone: string, nowSec: number): boolean {
  return monthStartSec(month, timeZone) < nowSec - LISTABLE_AGE_SEC;
}

/** Whether the server at `clockMs` lists an event created at `createdAtSec`. */
export function isListable(createdAtSec: number, clockMs: number): boolean {
  return createdAtSec * 1000 > clockMs - LISTABLE_AGE_SEC * 1000;
}

/** Contact ids that at least one cohort lists. */
export function listedContactIds(ws: SandboxWorkspace): Set<string> {
  const ids = new Set<string>();
  for (const members of ws.membersByCohort.values()) for (const id of members) ids.add(id);
  return ids;
}

/** The workspace as the reference's raw data, keeping only the events the API lists at `clockMs`. */
export function listableRawData(ws: SandboxWorkspace, clockMs: number, options: { vanished?: ReadonlySet<string> } = {}): RawData {
  const contacts: RawData['contacts'] = new Map(
    ws.contacts.map((c) => [
      c.id,
      // The sandbox serves a contact stored without the field as not unsubscribed.
      { id: c.id, role: c.role, created_at: c.created_at, signed_up_at: c.signed_up_at, unsubscribed_from_emails: c.unsubscribed_from_emails === true },
    ]),
  );
  const cohorts: RawData['cohorts'] = [
    ...ws.segments.map((s) => ({
      type: 'segment' as const,
      id: s.id,
      name: s.name,
      reported: s.count ?? null,
      memberIds: ws.membersByCohort.get(`segment:${s.id}`) ?? [],
    })),
    ...ws.tags.map((t) => {
      const memberIds = ws.membersByCohort.get(`tag:${t.id}`) ?? [];
      // A tag has no count of its own: the report shows the search's total_count, all its members.
      return { type: 'tag' as const, id: t.id, name: t.name, reported: memberIds.length, memberIds };
    }),
  ];
  const events: RawData['events'] = new Map();
  for (const [id, list] of ws.eventsByContact) {
    if (options.vanished?.has(id)) continue;
    events.set(
      id,
      list
        .filter((e) => isListable(e.created_at, clockMs))
        .map((e) => ({ id: e.id, event_name: e.event_name, created_at: e.created_at, metadata: e.metadata as Record<string, unknown> })),
    );
  }
  return { contacts, cohorts, events };
}

export interface ExpectedReports {
  /** Relative path (`YYYY-MM/cohort_summary.csv`, `trends.csv`, `retention.csv`) → exact file text. */
  files: Map<string, string>;
  /** Per month, the manifest warning names expected (members_missing aside), sorted. */
  warnings: Map<string, string[]>;
  tables: Map<string, ReferenceTables>;
}

/**
 * Every CSV a run of `months` must write into an empty output folder: the reference tables over the
 * events listable at the sandbox's `clockMs`, with the `_prev` and lifecycle columns blank where the
 * previous month starts more than 90 days before the CLI's `nowSec`.
 */
export function expectedReports(
  ws: SandboxWorkspace,
  options: { months: string[]; timeZone: string; clockMs: number; nowSec: number; vanished?: ReadonlySet<string>; conversations?: boolean },
): ExpectedReports {
  // Every conversation the sandbox holds, each as METRICS.md reads it: no listing limit by age.
  const conversations = options.conversations === false ? null : workspaceConversations(ws).map(conversationFromWire);
  const cohortMembers = [
    ...ws.segments.map((s) => ({ type: 'segment', id: s.id, name: s.name, members: ws.membersByCohort.get(`segment:${s.id}`) ?? [] })),
    ...ws.tags.map((t) => ({ type: 'tag', id: t.id, name: t.name, members: ws.membersByCohort.get(`tag:${t.id}`) ?? [] })),
  ];
  const data = listableRawData(ws, options.clockMs, options.vanished ? { vanished: options.vanished } : {});
  const files = new Map<string, string>();
  const warnings = new Map<string, string[]>();
  const tables = new Map<string, ReferenceTables>();
  for (const month of options.months) {
    const beyond = startsBeyondRetention(month, options.timeZone, options.nowSec);
    const previousBeyond = startsBeyondRetention(monthBefore(month), options.timeZone, options.nowSec);
    const t = referenceMonth(data, { month, timeZone: options.timeZone, previousBeyondRetention: previousBeyond });
    tables.set(month, t);
    files.set(`${month}/cohort_summary.csv`, referenceCsvText(t.summary));
    files.set(`${month}/cohort_events.csv`, referenceCsvText(t.events));
    files.set(`${month}/cohort_amounts.csv`, referenceCsvText(t.amounts));
    files.set(`${month}/cohort_retention.csv`, referenceCsvText(t.retention));
    if (conversations !== null) {
      const rows = referenceConversations(month, options.timeZone, conversations, cohortMembers);
      files.set(`${month}/cohort_conversations.csv`, referenceCsvText([REF_CONVERSATIONS_HEADER, ...rows]));
    }
    warnings.set(month, [...(beyond ? ['month_beyond_retention'] : []), ...(previousBeyond ? ['previous_month_beyond_retention'] : [])]);
  }
  files.set('trends.csv', referenceCsvText(referenceTrends(options.months.map((month) => ({ month, summary: tables.get(month)!.summary })))));
  files.set('retention.csv', referenceCsvText(referenceRetentionHistory(options.months.map((month) => tables.get(month)!))));
  return { files, warnings, tables };
}

/**
 * GET /events calls one contact needs: pages of `perPage` over its listable events (newest first),
 * up to and including the page holding the first event that predates `fromSec` (everything after it
 * is older, so of no use); one call when it has none.
 */
export function eventPagesNeeded(ws: SandboxWorkspace, contactId: string, options: { clockMs: number; fromSec: number; perPage: number }): number {
  const listable = (ws.eventsByContact.get(contactId) ?? []).filter((e) => isListable(e.created_at, options.clockMs));
  const total = Math.max(1, Math.ceil(listable.length / options.perPage));
  const useful = listable.filter((e) => e.created_at >= options.fromSec).length;
  return Math.min(total, Math.floor(useful / options.perPage) + 1);
}

/** POST /contacts/search calls paging one cohort of `members` at `perPage` (an empty cohort still answers once). */
export function searchPagesNeeded(members: number, perPage: number): number {
  return Math.max(1, Math.ceil(members / perPage));
}

/** Intercom's most per page of POST /conversations/search, what the run asks for. */
export const CONVERSATIONS_PER_PAGE = 150;
/** How far beyond W(M) the run asks, each side (restated from the client's documentation). */
export const CONVERSATION_PADDING_SEC = 2 * 86_400;

/**
 * POST /conversations/search calls listing `month`'s conversations: pages of 150 over every conversation
 * the sandbox's default date rule (strict `>` and `<`) matches in the padded window; one when none.
 */
export function conversationPagesNeeded(ws: SandboxWorkspace, month: string, timeZone: string): number {
  const start = monthStartSec(month, timeZone);
  const end = monthStartSec(monthAfter(month), timeZone);
  const n = workspaceConversations(ws).filter((c) => c.created_at > start - CONVERSATION_PADDING_SEC && c.created_at < end + CONVERSATION_PADDING_SEC).length;
  return Math.max(1, Math.ceil(n / CONVERSATIONS_PER_PAGE));
}
