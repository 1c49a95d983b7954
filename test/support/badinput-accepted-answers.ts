/**
 * API answers that are odd but unambiguous, all in one hand-made workspace, with what a correct run
 * must make of them. The workspace holds the truth (string ids, Unix seconds, each event once); the
 * response transform serves it oddly:
 *
 * - digit ids as JSON numbers (tags, contacts and events), among them 2^53 and 2^53 + 1, which
 *   `JSON.parse` would turn into the same number;
 * - a contact listed again on the next page (the second time as a string), an event repeated on a
 *   later page (once as a number, once as a string): each counts once;
 * - one contact whose created_at, signed_up_at and event times are in milliseconds (+999 ms);
 * - contacts unsubscribed from e-mails, and contacts served without `unsubscribed_from_emails` at all
 *   (the digit ids), which are not unsubscribed;
 * - events in the future (next week, the year 2100): in no finished month, so counted nowhere;
 * - tag searches without total_count (members_reported empty);
 * - a segment of 230 contacts in one page although per_page is 50 (pages says 1 of 1);
 * - metadata of every odd type, and amounts counted exactly as docs/METRICS.md says, beyond 2^53 too.
 *
 * The expected CSVs come from the brute-force reference (test/support/report-reference.ts) over the
 * truth; cohort_amounts.csv from the per-value verdicts written next to each odd amount below, so the
 * money rule is stated here case by case rather than re-implemented.
 */
import type { SandboxResponseTransform, SandboxWorkspace } from '../../src/sandbox/index.js';
import { toWireContact } from '../../src/sandbox/index.js';
import { buildWorkspace, cloneWire, literal, toJsonText, type HandCohort, type HandContact, type HandEvent } from './badinput-workspace.js';
import { lastEndedMonth, listableRawData, monthStartSec, startsBeyondRetention } from './e2e-reference.js';
import {
  REF_AMOUNTS_HEADER,
  localMonth,
  monthBefore,
  refAmountMajor,
  referenceCsvText,
  referenceMonth,
  referenceRetentionHistory,
  referenceTrends,
  type RawData,
} from './report-reference.js';

export const SEARCH_PER_PAGE = 50;
export const EVENTS_PER_PAGE = 5;
const HUGE_SEGMENT = 'seg-huge';
const REPEAT_SEGMENT = 'seg-repeat';
const MS_CONTACT = 'c-millis';
const DUP_CONTACT = 'c-dup';
const TWO_POW_53 = '9007199254740992';
const TWO_POW_53_PLUS_1 = '9007199254740993';

/** One odd metadata value and what it is worth: [amount, lower-cased currency], or null when it is not money. */
interface MoneyCase {
  key: string;
  value: unknown;
  counts: [amountMinor: bigint, currency: string] | null;
}

const MONEY_CASES: MoneyCase[] = [
  { key: 'price', value: { amount: 1999, currency: 'EUR' }, counts: [1999n, 'eur'] },
  { key: 'price', value: { amount: literal('100.0'), currency: 'eur' }, counts: [100n, 'eur'] }, // a JSON number with an integer value
  { key: 'price', value: { amount: literal('1e3'), currency: 'Eur' }, counts: [1000n, 'eur'] }, // the same, in exponent form
  { key: 'price', value: { amount: -500, currency: 'usd' }, counts: [-500n, 'usd'] }, // a refund is added in
  { key: 'price', value: { amount: literal('-0'), currency: 'usd' }, counts: [0n, 'usd'] },
  { key: 'whale', value: { amount: literal(TWO_POW_53_PLUS_1), currency: 'eur' }, counts: [2n ** 53n + 1n, 'eur'] },
  { key: 'whale', value: { amount: literal(TWO_POW_53_PLUS_1), currency: 'eur' }, counts: [2n ** 53n + 1n, 'eur'] },
  { key: 'whale', value: { amount: literal('123456789012345678901234567890'), currency: 'jpy' }, counts: [123456789012345678901234567890n, 'jpy'] },
  { key: 'whale', value: { amount: literal('1e30'), currency: 'jpy' }, counts: [10n ** 30n, 'jpy'] },
  { key: 'fee', value: { amount: 7, currency: '' }, counts: [7n, ''] }, // an empty currency is a string
  { key: 'fee', value: { amount: 250, currency: 'GBP', note: 'extra fields do not matter' }, counts: [250n, 'gbp'] },
  { key: '__proto__', value: { amount: 42, currency: 'eur' }, counts: [42n, 'eur'] },
  { key: 'constructor', value: { amount: 3, currency: 'eur' }, counts: [3n, 'eur'] },
  { key: 'price', value: { amount: '100', currency: 'eur' }, counts: null }, // a string is not a number
  { key: 'price', value: { amount: 19.5, currency: 'eur' }, counts: null },
  { key: 'price', value: { amount: literal('1.0000000000000000001'), currency: 'eur' }, counts: null }, // not an integer, though a double rounds it to 1
  { key: 'price', value: { amount: literal('123456789012345678901.5'), currency: 'eur' }, counts: null },
  { key: 'price', value: { amount: 100, currency: 978 }, counts: null },
  { key: 'price', value: { amount: 100, currency: null }, counts: null },
  { key: 'price', value: { amount: 100 }, counts: null },
  { key: 'price', value: { currency: 'eur' }, counts: null },
  { key: 'price', value: { amount: null, currency: 'eur' }, counts: null },
  { key: 'price', value: { amount: true, currency: 'eur' }, counts: null },
  { key: 'price', value: { amount: { amount: 5, currency: 'eur' }, currency: 'eur' }, counts: null },
  { key: 'price', value: [{ amount: 5, currency: 'eur' }], counts: null },
  { key: 'price', value: null, counts: null },
  { key: 'price', value: false, counts: null },
  { key: 'price', value: 'EUR 10', counts: null },
  { key: 'price', value: literal('1e400'), counts: null },
  { key: 'price', value: literal('123456789012345678901234567890'), counts: null },
  { key: 'link', value: { url: 'https://example.com', value: 'example' }, counts: null },
  { key: 'renewal_date', value: 1_790_000_000, counts: null },
];

/** Whole-metadata oddities: none of them holds a metadata value, so none holds money. */
const ODD_METADATA: unknown[] = [null, [], [{ amount: 5, currency: 'eur' }], 'metadata as text', 5, true, {}];

export interface AcceptedAnswers {
  workspace: SandboxWorkspace;
  transform: SandboxResponseTransform;
  /** Relative path → the exact text every CSV must have. */
  expectedFiles: Map<string, string>;
  /** Manifest warning names expected (sorted). */
  expectedWarnings: string[];
  month: string;
  /** Facts the test asserts beside the files, so a vacuous workspace cannot pass. */
  facts: { hugeSegmentMembers: number; hugeSegmentUnsubscribed: number; distinctMembersOfRepeat: number; moneyRows: number };
}

function msLiteral(sec: number): ReturnType<typeof literal> {
  return literal(String(sec * 1000 + 999));
}

export function acceptedAnswers(options: { clockMs: number; nowSec: number; timeZone: string }): AcceptedAnswers {
  const { clockMs, timeZone } = options;
  const workspaceNowSec = Math.floor(clockMs / 1000);
  const month = lastEndedMonth(workspaceNowSec, timeZone);
  const start = monthStartSec(month, timeZone);
  const prevStart = monthStartSec(monthBefore(month), timeZone);
  const at = (day: number, hour = 12): number => start + (day - 1) * 86_400 + hour * 3600;
  const prevAt = (day: number): number => prevStart + (day - 1) * 86_400 + 12 * 3600;

  const contacts: HandContact[] = [];
  const events = new Map<string, HandEvent[]>();
  const addEvents = (contactId: string, list: HandEvent[]): void => {
    events.set(contactId, [...(events.get(contactId) ?? []), ...list]);
  };

  // Ordinary contacts: a few events each, in the month and the one before.
  const ordinary: string[] = [];
  for (let i = 0; i < 220; i += 1) {
    const id = `c${String(i).padStart(4, '0')}`;
    ordinary.push(id);
    contacts.push({ id, createdAtSec: prevStart - 86_400 * (i + 1), signedUpAtSec: i % 3 === 0 ? 0 : null, unsubscribed: i % 6 === 1 });
    const n = i % 4;
    addEvents(
      id,
      Array.from({ length: n }, (_, k) => ({ id: `e-${id}-${k}`, name: k % 2 === 0 ? 'signed-in' : 'viewed', createdAtSec: k === 2 ? prevAt(1 + (i % 20)) : at(1 + ((i + k) % 27)) })),
    );
  }

  // Digit ids: served as JSON numbers; 2^53 and 2^53 + 1 would be one contact after JSON.parse.
  const digitIds = ['1001', TWO_POW_53, TWO_POW_53_PLUS_1];
  for (const id of digitIds) {
    contacts.push({ id, createdAtSec: prevStart - 3 * 86_400, signedUpAtSec: at(2) });
    addEvents(id, [
      { id: `e-${id}-a`, name: 'signed-in', createdAtSec: at(3) },
      { id: `e-${id}-b`, name: 'placed-order', createdAtSec: at(4), metadata: { price: { amount: 10, currency: 'eur' } } },
    ]);
  }
  // Event ids 2^53 and 2^53 + 1: two events, never one.
  addEvents('1001', [
    { id: TWO_POW_53, name: 'bigid', createdAtSec: at(5) },
    { id: TWO_POW_53_PLUS_1, name: 'bigid', createdAtSec: at(5) },
  ]);

  // Milliseconds everywhere for one contact, new in the month.
  contacts.push({ id: MS_CONTACT, createdAtSec: at(1, 1), signedUpAtSec: at(1, 2) });
  addEvents(MS_CONTACT, [
    { id: 'e-ms-1', name: 'signed-in', createdAtSec: at(1, 3) },
    { id: 'e-ms-2', name: 'signed-in', createdAtSec: at(9) },
    { id: 'e-ms-3', name: 'placed-order', createdAtSec: start + 1, metadata: { price: { amount: 5, currency: 'eur' } } },
    { id: 'e-ms-4', name: 'viewed', createdAtSec: prevAt(10) },
    { id: 'e-ms-future', name: 'from-the-future', createdAtSec: workspaceNowSec + 5 * 86_400 },
  ]);

  // Several pages of events (5 per page), with repeats injected on the later pages; also future events.
  contacts.push({ id: DUP_CONTACT, createdAtSec: prevStart - 86_400 });
  addEvents(DUP_CONTACT, [
    { id: '77', name: 'signed-in', createdAtSec: at(20) },
    ...Array.from({ length: 11 }, (_, k) => ({ id: `e-dup-${k}`, name: 'viewed', createdAtSec: at(2 + k) })),
    { id: 'e-future-week', name: 'from-the-future', createdAtSec: workspaceNowSec + 7 * 86_400 },
    { id: 'e-future-2100', name: 'from-the-future', createdAtSec: Date.UTC(2100, 0, 1) / 1000 },
  ]);

  // Money: one event per odd value (several keys per event would hide which one went wrong).
  contacts.push({ id: 'c-money', createdAtSec: prevStart - 86_400 });
  const moneyEvents: HandEvent[] = MONEY_CASES.map((c, i) => {
    const metadata: Record<string, unknown> = {};
    Object.defineProperty(metadata, c.key, { value: c.value, writable: true, enumerable: true, configurable: true });
    const refund = c.counts !== null && c.counts[0] < 0n;
    return { id: `e-money-${i}`, name: refund ? 'refund-issued' : 'placed-order', createdAtSec: at(1 + (i % 27), 10), metadata };
  });
  addEvents('c-money', moneyEvents);
  contacts.push({ id: 'c-meta', createdAtSec: prevStart - 86_400 });
  addEvents(
    'c-meta',
    ODD_METADATA.map((metadata, i) => ({ id: `e-meta-${i}`, name: 'placed-order', createdAtSec: at(3 + i, 8), metadata: metadata as Record<string, unknown> })),
  );

  const specials = [...digitIds, MS_CONTACT, DUP_CONTACT, 'c-money', 'c-meta'];
  const cohorts: HandCohort[] = [
    { type: 'segment', id: HUGE_SEGMENT, name: 'Everyone, in one page', memberIds: [...ordinary, ...specials] },
    { type: 'segment', id: REPEAT_SEGMENT, name: 'Listed with a repeat', memberIds: ['1001', ...ordinary.slice(0, 60), TWO_POW_53] },
    { type: 'tag', id: '7', name: 'Odd ones', memberIds: specials },
    { type: 'tag', id: '99', name: 'Some', memberIds: ordinary.filter((_, i) => i % 5 === 0) },
  ];
  const workspace = buildWorkspace({ nowSec: workspaceNowSec, contacts, cohorts, events });
  const contactById = new Map(workspace.contacts.map((c) => [c.id, c]));
  const newestDup = workspace.eventsByContact.get(DUP_CONTACT)!.find((e) => e.id === '77')!;

  const transform: SandboxResponseTransform = (endpoint, body, url, request) => {
    if (endpoint === 'contacts.search') {
      const page = cloneWire(body) as { data: Array<Record<string, unknown>>; total_count?: number; pages: Record<string, unknown> };
      const search = request.body as { query: { field: string; value: string }; pagination: { starting_after?: string } };
      const firstPage = !search.pagination.starting_after;
      if (search.query.field === 'segment_id' && search.query.value === HUGE_SEGMENT && firstPage) {
        const members = workspace.membersByCohort.get(`segment:${HUGE_SEGMENT}`)!;
        page.data = members.map((id) => toWireContact(contactById.get(id)!, []));
        page.pages = { type: 'pages', page: 1, per_page: SEARCH_PER_PAGE, total_pages: 1 };
      }
      if (search.query.field === 'tag_id') delete page.total_count;
      for (const contact of page.data) {
        if (/^\d+$/.test(contact.id as string)) {
          contact.id = literal(contact.id as string);
          delete contact.unsubscribed_from_emails;
        }
        if (contact.id === MS_CONTACT) {
          contact.created_at = msLiteral(contact.created_at as number);
          contact.signed_up_at = msLiteral(contact.signed_up_at as number);
        }
      }
      // The first member again at the top of the next page, this time with its id as a string.
      if (search.query.field === 'segment_id' && search.query.value === REPEAT_SEGMENT && !firstPage) {
        page.data.unshift(toWireContact(contactById.get('1001')!, []));
      }
      return { raw: toJsonText(page) };
    }
    if (endpoint === 'tags') {
      // Old payloads: tag ids as integers.
      const list = cloneWire(body) as { data: Array<Record<string, unknown>> };
      for (const tag of list.data) tag.id = literal(tag.id as string);
      return { raw: toJsonText(list) };
    }
    if (endpoint === 'events') {
      const page = cloneWire(body) as { events: Array<Record<string, unknown>> };
      const contactId = url.searchParams.get('intercom_user_id');
      for (const event of page.events) {
        if (/^\d+$/.test(event.id as string)) event.id = literal(event.id as string);
        if (contactId === MS_CONTACT) event.created_at = msLiteral(event.created_at as number);
      }
      // Later pages repeat the newest event, with its id as a string ("77"; page 1 sent 77).
      if (contactId === DUP_CONTACT && url.searchParams.has('before')) page.events.push(cloneWire(newestDup) as unknown as Record<string, unknown>);
      return { raw: toJsonText(page) };
    }
    return body;
  };

  const raw = listableRawData(workspace, clockMs);
  const data: RawData = { ...raw, cohorts: raw.cohorts.map((c) => (c.type === 'tag' ? { ...c, reported: null } : c)) };
  const previousBeyond = startsBeyondRetention(monthBefore(month), timeZone, options.nowSec);
  const tables = referenceMonth(data, { month, timeZone, previousBeyondRetention: previousBeyond });
  const amounts = expectedAmounts(workspace, data, month, timeZone);
  const expectedFiles = new Map<string, string>([
    [`${month}/cohort_summary.csv`, referenceCsvText(tables.summary)],
    [`${month}/cohort_events.csv`, referenceCsvText(tables.events)],
    [`${month}/cohort_amounts.csv`, referenceCsvText(amounts)],
    [`${month}/cohort_retention.csv`, referenceCsvText(tables.retention)],
    ['trends.csv', referenceCsvText(referenceTrends([{ month, summary: tables.summary }]))],
    ['retention.csv', referenceCsvText(referenceRetentionHistory([tables]))],
  ]);
  return {
    workspace,
    transform,
    expectedFiles,
    expectedWarnings: previousBeyond ? ['previous_month_beyond_retention'] : [],
    month,
    facts: {
      hugeSegmentMembers: ordinary.length + specials.length,
      hugeSegmentUnsubscribed: contacts.filter((c) => c.unsubscribed === true).length,
      distinctMembersOfRepeat: new Set(cohorts[1]!.memberIds).size,
      moneyRows: amounts.length - 1,
    },
  };
}

/**
 * cohort_amounts.csv from the verdicts of MONEY_CASES: per cohort, the distinct listable events of its
 * distinct members in the month, summed exactly by (event name, metadata key, currency).
 */
function expectedAmounts(workspace: SandboxWorkspace, data: RawData, month: string, timeZone: string): string[][] {
  const verdict = new Map<string, MoneyCase>();
  MONEY_CASES.forEach((c, i) => verdict.set(`e-money-${i}`, c));
  const rows: string[][] = [];
  const cohorts = [...data.cohorts].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const cohort of cohorts) {
    const groups = new Map<string, { name: string; key: string; currency: string; amount: bigint; events: number }>();
    for (const memberId of new Set(cohort.memberIds)) {
      const seen = new Set<string>();
      for (const event of workspace.eventsByContact.get(memberId) ?? []) {
        if (seen.has(event.id) || localMonth(event.created_at, timeZone) !== month) continue;
        seen.add(event.id);
        const c = verdict.get(event.id);
        if (c?.counts) {
          const id = `${event.event_name}\u0000${c.key}\u0000${c.counts[1]}`;
          const g = groups.get(id) ?? { name: event.event_name, key: c.key, currency: c.counts[1], amount: 0n, events: 0 };
          g.amount += c.counts[0];
          g.events += 1;
          groups.set(id, g);
        }
        // Events outside MONEY_CASES carry at most plain { amount: int, currency: 'eur' } values.
        if (!c && event.metadata && typeof event.metadata === 'object' && !Array.isArray(event.metadata)) {
          for (const [key, value] of Object.entries(event.metadata)) {
            const v = value as { amount?: unknown; currency?: unknown } | null;
            if (v && typeof v === 'object' && typeof v.amount === 'number' && Number.isInteger(v.amount) && typeof v.currency === 'string') {
              const id = `${event.event_name}\u0000${key}\u0000${v.currency.toLowerCase()}`;
              const g = groups.get(id) ?? { name: event.event_name, key, currency: v.currency.toLowerCase(), amount: 0n, events: 0 };
              g.amount += BigInt(v.amount);
              g.events += 1;
              groups.set(id, g);
            }
          }
        }
      }
    }
    const sorted = [...groups.values()].sort(
      (a, b) => cmp(a.name, b.name) || cmp(a.key, b.key) || cmp(a.currency, b.currency),
    );
    for (const g of sorted) rows.push([month, cohort.type, cohort.id, cohort.name, g.name, g.key, g.currency, g.amount.toString(), String(g.events), refAmountMajor(g.amount.toString(), g.currency)]);
  }
  return [REF_AMOUNTS_HEADER, ...rows];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
