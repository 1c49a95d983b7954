/**
 * Conversations placed on the edges of report months, for the end-to-end and worker tests of
 * cohort_conversations.csv. `placeEdgeConversations` returns the workspace with its own conversation
 * list (SandboxWorkspace.conversations, which the sandbox then serves): the generated ones, plus for
 * each month and zone asked conversations created exactly at W(M).start − 1, W(M).start, W(M).end − 1
 * and W(M).end, a day either side of each edge, and on the edges of the padded window the run asks for
 * (and of that window's UTC days, which the sandbox's 'calendar-day' rule reads) — each point three
 * times: opened by a member, opened by a contact of no cohort, started by an admin with a member as its
 * contact. Fillers make a month need several pages of 150.
 *
 * `conversationsMatched` restates what each date rule of the sandbox lets through, from INTERCOM.md's
 * words and plain UTC arithmetic (not the sandbox's code), so a test counts the pages a month needs
 * under that rule independently.
 */
import type { ConversationDateRule, ConversationVariant } from '../../src/sandbox/handle-conversations-search.js';
import type { SandboxOptions, SandboxVariant, SandboxWorkspace } from '../../src/sandbox/index.js';
import type { WireConversation } from '../../src/sandbox/types.js';
import { workspaceConversations } from '../../src/sandbox/generate-conversations.js';
import { conversationFromWire, REF_CONVERSATIONS_HEADER, referenceConversations } from './conversations-reference.js';
import { CONVERSATION_PADDING_SEC, CONVERSATIONS_PER_PAGE, listedContactIds, monthAfter, monthStartSec } from './e2e-reference.js';
import { referenceCsvText } from './report-reference.js';

const DAY_SEC = 86_400;

export type PlacedAuthor = 'member' | 'non-member' | 'admin';

export interface PlacedConversation {
  id: string;
  createdAtSec: number;
  author: PlacedAuthor;
  /** The member (or non-member) who opened it; for an admin's, the member it was started with. */
  contactId: string;
  month: string;
  zone: string;
  /** Where it sits, e.g. `end-1`, `start-1d`, `pad-start`, `filler`. */
  point: string;
}

export interface MonthWindow {
  startSec: number;
  endSec: number;
}

/** W(M) in `zone`, from Intl's calendar (e2e-reference.ts), not from src/report. */
export function monthWindow(month: string, zone: string): MonthWindow {
  return { startSec: monthStartSec(month, zone), endSec: monthStartSec(monthAfter(month), zone) };
}

/** The first second of the UTC day holding `sec` (Unix time has no leap seconds: plain division). */
function utcDayStart(sec: number): number {
  return Math.floor(sec / DAY_SEC) * DAY_SEC;
}

/** The points of one month: label → created_at. */
function edgePoints(w: MonthWindow): Array<[string, number]> {
  const padStart = w.startSec - CONVERSATION_PADDING_SEC;
  const padEnd = w.endSec + CONVERSATION_PADDING_SEC;
  const calendarFrom = utcDayStart(padStart) + DAY_SEC;
  const calendarTo = utcDayStart(padEnd);
  return [
    ['start-1d', w.startSec - DAY_SEC],
    ['start-1', w.startSec - 1],
    ['start', w.startSec],
    ['start+1d', w.startSec + DAY_SEC],
    ['end-1d', w.endSec - DAY_SEC],
    ['end-1-1d', w.endSec - 1 - DAY_SEC],
    ['end-1', w.endSec - 1],
    ['end', w.endSec],
    ['end+1d', w.endSec + DAY_SEC],
    // The padded window's own edges: 'strict' and 'inclusive' differ on exactly these seconds.
    ['pad-start', padStart],
    ['pad-start+1', padStart + 1],
    ['pad-end-1', padEnd - 1],
    ['pad-end', padEnd],
    // Where 'calendar-day' (UTC days) opens and closes the padded window.
    ['calendar-from-1', calendarFrom - 1],
    ['calendar-from', calendarFrom],
    ['calendar-to-1', calendarTo - 1],
    ['calendar-to', calendarTo],
  ];
}

/** A conversation as the API lists it, its reporting extras varied by `k` (replied or not, rated, reopened). */
function wireConversation(id: string, createdAtSec: number, author: Record<string, unknown>, contactId: string, k: number): WireConversation {
  const replied = k % 4 !== 3;
  const replySec = 45 + ((k * 977) % 7_200);
  const statistics =
    k % 11 === 5
      ? null
      : {
          type: 'conversation_statistics',
          time_to_admin_reply: replied ? replySec : null,
          first_admin_reply_at: replied ? createdAtSec + replySec : null,
          count_reopens: k % 5 === 0 ? 1 + (k % 3) : 0,
        };
  const rating = k % 3 === 0 ? { rating: 1 + (k % 5), remark: '', created_at: createdAtSec + 3_600, contact: { type: 'contact', id: contactId } } : null;
  return {
    type: 'conversation',
    id,
    created_at: createdAtSec,
    updated_at: createdAtSec + 60,
    state: 'closed',
    open: false,
    source: {
      type: 'conversation',
      id: `s${id}`,
      delivered_as: author.type === 'admin' ? 'admin_initiated' : 'customer_initiated',
      subject: '',
      body: '<p>Hello</p>',
      author,
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId }] },
    statistics,
    conversation_rating: rating,
  };
}

export interface PlaceOptions {
  /** Months and zones whose edges get conversations. */
  edges: ReadonlyArray<{ month: string; zone: string }>;
  /** For each range, `count` conversations spread evenly over [fromSec, toSec), mostly opened by members. */
  fillers?: ReadonlyArray<{ fromSec: number; toSec: number; count: number }>;
}

/**
 * The workspace with its conversations placed: the generated ones and the edge ones (ids from
 * 200000000, so they sort after the generated ones at equal created_at). Members rotate over the
 * listed contacts, so an edge conversation counted in the wrong month shows in some cohort's row.
 */
export function placeEdgeConversations(ws: SandboxWorkspace, options: PlaceOptions): { workspace: SandboxWorkspace; placed: PlacedConversation[] } {
  const listed = listedContactIds(ws);
  const byId = new Map(ws.contacts.map((c) => [c.id, c]));
  const members = ws.contacts.filter((c) => listed.has(c.id));
  const others = ws.contacts.filter((c) => !listed.has(c.id));
  if (members.length === 0) throw new Error('placeEdgeConversations: the workspace lists no member');
  const placed: PlacedConversation[] = [];
  const wire: WireConversation[] = [];
  let k = 0;
  const add = (createdAtSec: number, author: PlacedAuthor, month: string, zone: string, point: string): void => {
    const id = String(200_000_000 + placed.length);
    const member = members[(k * 7) % members.length]!;
    // A contact of no cohort when the workspace has one, else an id no contact has (counts nowhere either).
    const other = others.length > 0 ? others[k % others.length]! : null;
    const contactId = author === 'non-member' ? (other?.id ?? `nobody-${k}`) : member.id;
    const customer = byId.get(contactId);
    const who =
      author === 'admin'
        ? { type: 'admin', id: String(1 + (k % 9)), name: 'Support', email: 'support@sandbox.invalid' }
        : { type: k % 3 === 1 ? 'contact' : (customer?.role ?? 'lead'), id: contactId, name: customer?.name ?? '', email: customer?.email ?? '' };
    wire.push(wireConversation(id, createdAtSec, who, contactId, k));
    placed.push({ id, createdAtSec, author, contactId, month, zone, point });
    k += 1;
  };
  for (const { month, zone } of options.edges) {
    for (const [point, at] of edgePoints(monthWindow(month, zone))) {
      for (const author of ['member', 'non-member', 'admin'] as const) add(at, author, month, zone, point);
    }
  }
  for (const fillers of options.fillers ?? []) {
    const step = (fillers.toSec - fillers.fromSec) / fillers.count;
    for (let i = 0; i < fillers.count; i += 1) {
      const author: PlacedAuthor = i % 6 === 4 ? 'non-member' : i % 6 === 5 ? 'admin' : 'member';
      add(fillers.fromSec + Math.floor(i * step), author, '', '', 'filler');
    }
  }
  const workspace: SandboxWorkspace = { ...ws, conversations: [...workspaceConversations(ws), ...wire] };
  return { workspace, placed };
}

/**
 * Whether the sandbox's `rule` lets a conversation created at `createdAtSec` through the query
 * `created_at > gt AND created_at < lt`, as INTERCOM.md words each reading: 'strict' as written;
 * 'inclusive' "greater (or equal)", "lower (or equal)"; 'calendar-day' by calendar day in the
 * workspace's zone (the sandbox's GET /me says UTC): `>` from the start of the next day, `<` before
 * the start of the given day.
 */
export function ruleMatches(rule: ConversationDateRule, createdAtSec: number, gt: number, lt: number): boolean {
  switch (rule) {
    case 'strict':
      return createdAtSec > gt && createdAtSec < lt;
    case 'inclusive':
      return createdAtSec >= gt && createdAtSec <= lt;
    case 'calendar-day':
      return createdAtSec >= utcDayStart(gt) + DAY_SEC && createdAtSec < utcDayStart(lt);
  }
}

/** Conversations of the workspace that `rule` matches in the window the run asks for `month` (W(M) padded by two days). */
export function conversationsMatched(ws: SandboxWorkspace, month: string, zone: string, rule: ConversationDateRule): number {
  const w = monthWindow(month, zone);
  const gt = w.startSec - CONVERSATION_PADDING_SEC;
  const lt = w.endSec + CONVERSATION_PADDING_SEC;
  return workspaceConversations(ws).filter((c) => ruleMatches(rule, c.created_at, gt, lt)).length;
}

/** POST /conversations/search calls listing `month` under `rule`: pages of 150 over what it matches; one when nothing. */
export function conversationPagesForRule(ws: SandboxWorkspace, month: string, zone: string, rule: ConversationDateRule): number {
  return Math.max(1, Math.ceil(conversationsMatched(ws, month, zone, rule) / CONVERSATIONS_PER_PAGE));
}

/**
 * The sandbox options of a conversation variant, as startE2eSandbox's `variant` (which spreads into the
 * sandbox's options; the CLI's `sandbox` command offers no conversation variant, hence not in its type).
 */
export function conversationsVariant(conversations: ConversationVariant): SandboxVariant {
  const variant: SandboxVariant & Pick<SandboxOptions, 'conversations'> = { conversations };
  return variant;
}

/** Whether a POST /conversations/search body is a month's listing (an AND of two bounds), not the access probe. */
export function isListingSearch(body: unknown): boolean {
  const query = (body as { query?: { operator?: unknown } } | undefined)?.query;
  return query?.operator === 'AND';
}

/**
 * cohort_conversations.csv of `month` by the brute-force reference (conversations-reference.ts), over
 * the workspace's conversations with `shift` applied to their created_at: what a run that put some
 * conversations in the wrong month would write. A test compares it with the real file to prove the
 * edge conversations change the figures (so the file's equality with the reference is not luck).
 */
export function conversationsCsvWith(ws: SandboxWorkspace, month: string, zone: string, shift: ReadonlyMap<string, number>): string {
  const conversations = workspaceConversations(ws).map((wire) => {
    const c = conversationFromWire(wire);
    const at = shift.get(c.id);
    return at === undefined ? c : { ...c, createdAtSec: at };
  });
  const cohorts = [
    ...ws.segments.map((s) => ({ type: 'segment', id: s.id, name: s.name, members: ws.membersByCohort.get(`segment:${s.id}`) ?? [] })),
    ...ws.tags.map((t) => ({ type: 'tag', id: t.id, name: t.name, members: ws.membersByCohort.get(`tag:${t.id}`) ?? [] })),
  ];
  return referenceCsvText([REF_CONVERSATIONS_HEADER, ...referenceConversations(month, zone, conversations, cohorts)]);
}
