/**
 * Hand-made raw data for the report's edge cases, placed relative to a month's real boundaries in a
 * zone (found with Intl by the reference helpers, not with src/report): events exactly on window
 * boundaries, a 25-hour DST day, ties, odd and even medians, p90 at small n, empty and lead-only
 * cohorts, signed_up_at null and 0, unicode and formula-like text, malformed and huge money, and
 * events repeated across pages.
 */
import { localMonth } from './report-reference.js';
import type { RawContact, RawData, RawEvent } from './report-reference.js';

/** First second whose local month is `month` (binary search with Intl). */
export function monthStartByIntl(month: string, timeZone: string): number {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  let lo = Date.UTC(y, m - 1, 1) / 1000 - 2 * 86_400;
  let hi = Date.UTC(y, m - 1, 1) / 1000 + 2 * 86_400;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localMonth(mid, timeZone) >= month) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function nextMonthLabel(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}

function prevMonthLabel(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${month.slice(0, 4)}-${String(m - 1).padStart(2, '0')}`;
}

const HOUR = 3_600;
const DAY = 86_400;

export const EDGE_NAMES = [
  '=SUM(A1:A9)',
  '\nnew line first',
  'café, "quoted"',
  '🚀 launched',
  '-credit',
  '@mention',
  '\ttabbed',
  '\rcarriage',
  '+1 upgrade',
  '__proto__',
  'constructor',
  'b-tie',
  'a-tie',
  'Zebra',
  'zebra',
];

/**
 * Contacts listed as unsubscribed from e-mails: active and idle ones, a lead, members of several
 * cohorts, and one ladder step (so the ladder tags from 3 up count one), every 10th of the tie segment.
 */
function isUnsubscribed(id: string): boolean {
  return ['u-boundary', 'u-idle', 'u-dormant', 'l-idle', 'u-ladder-3'].includes(id) || /^u-tie-\d\d0$/.test(id);
}

/** The edge data set around `month` in `timeZone`. */
export function edgeRawData(month: string, timeZone: string): RawData {
  const start = monthStartByIntl(month, timeZone);
  const end = monthStartByIntl(nextMonthLabel(month), timeZone);
  const prevStart = monthStartByIntl(prevMonthLabel(month), timeZone);
  const longAgo = prevStart - 400 * DAY;

  const contacts: RawContact[] = [];
  const events = new Map<string, RawEvent[]>();
  let eventCounter = 0;
  const ev = (name: string, sec: number, metadata: Record<string, unknown> = {}): RawEvent => ({
    id: `ev-${(eventCounter += 1)}`,
    event_name: name,
    created_at: sec,
    metadata,
  });
  const contact = (id: string, role: 'user' | 'lead', createdAt: number, signedUp: number | null, list: RawEvent[]): void => {
    contacts.push({ id, role, created_at: createdAt, signed_up_at: signedUp, unsubscribed_from_emails: isUnsubscribed(id) });
    events.set(id, list);
  };

  // Boundaries: start and end-1 are in M, start-1 in M-1, end in M+1. Two names tie.
  contact('u-boundary', 'user', longAgo, null, [
    ev('b-tie', start),
    ev('a-tie', end - 1),
    ev('b-tie', start - 1),
    ev('a-tie', end),
    ev('a-tie', start + 5 * DAY),
    ev('b-tie', start + 6 * DAY),
  ]);
  // signed_up_at 0 and null: signup falls back to created_at, which is in M.
  contact('u-zero-signup', 'user', start + 2 * HOUR, 0, [ev('signed-in', start + 3 * HOUR)]);
  contact('u-null-signup', 'user', start + 4 * DAY, null, [ev('signed-in', start + 4 * DAY + 1)]);
  // Created long ago, signed up in M: new.
  contact('u-signup-in-m', 'user', longAgo, start + 10 * DAY, [ev('signed-in', start + 10 * DAY), ev('signed-in', start + 11 * DAY)]);
  // Signed up exactly at the end of M: not new.
  contact('u-signup-at-end', 'user', longAgo, end, [ev('signed-in', start + DAY)]);
  // Active in M-1 only: dormant.
  contact('u-dormant', 'user', longAgo, prevStart + DAY, [ev('signed-in', prevStart + 2 * DAY), ev('viewed', start - 10)]);
  // Active in both: returning; a second on each side of the DST change day, same local date.
  contact('u-returning', 'user', longAgo, longAgo, [
    ev('signed-in', prevStart + 3 * DAY),
    ev('signed-in', start + 24 * DAY + 30 * 60),
    ev('signed-in', start + 24 * DAY + 22 * HOUR),
  ]);
  // Never active.
  contact('u-idle', 'user', longAgo, longAgo, []);
  // Sticky: 20 distinct local days.
  contact(
    'u-sticky',
    'user',
    longAgo,
    longAgo,
    Array.from({ length: 20 }, (_, i) => ev(i % 2 === 0 ? 'Zebra' : 'zebra', start + i * DAY + 12 * HOUR)),
  );
  // Unicode, formula-like names, malformed and good money, a metadata key named __proto__.
  const protoKey: Record<string, unknown> = {};
  Object.defineProperty(protoKey, '__proto__', { value: { amount: 7, currency: 'Eur' }, enumerable: true, writable: true, configurable: true });
  contact('u-text', 'user', longAgo, longAgo, [
    ...EDGE_NAMES.map((name, i) => ev(name, start + i * HOUR + 7)),
    ev('order', start + 2 * DAY, { price: { amount: 1999, currency: 'EUR' }, note: 'x' }),
    ev('order', start + 2 * DAY + 1, { price: { amount: 1, currency: 'eur' } }),
    ev('order', start + 2 * DAY + 2, { price: { amount: '19.99', currency: 'eur' } }),
    ev('order', start + 2 * DAY + 3, { price: { amount: 19.5, currency: 'eur' } }),
    ev('order', start + 2 * DAY + 4, { price: { amount: 100 } }),
    ev('order', start + 2 * DAY + 5, { price: { amount: 100, currency: 978 } }),
    ev('order', start + 2 * DAY + 6, { price: null, list: [1, 2], link: { url: 'https://x', value: 'y' } }),
    ev('refund', start + 2 * DAY + 7, { refund: { amount: -500, currency: 'USD' } }),
    ev('whale', start + 2 * DAY + 8, { big: { amount: 2 ** 62, currency: 'jpy' } }),
    ev('whale', start + 2 * DAY + 9, { big: { amount: 2 ** 62, currency: 'JPY' } }),
    ev('whale', start + 2 * DAY + 10, { big: { amount: 2 ** 62 + 2 ** 11, currency: 'jpy' } }),
    ev('=money', start + 2 * DAY + 11, { '=key': { amount: 3, currency: '=cur' } }),
    ev('proto-money', start + 2 * DAY + 12, protoKey),
  ]);
  // Duplicated events across pages: the same ids listed twice.
  const dup = [ev('signed-in', start + 3 * DAY), ev('viewed', start + 3 * DAY + 60), ev('signed-in', start + 4 * DAY)];
  contact('u-duplicated', 'user', longAgo, longAgo, [...dup, ...dup, dup[1]!]);
  // Leads: one active, one not.
  contact('l-active', 'lead', longAgo, null, [ev('viewed', start + 12 * HOUR), ev('viewed', start + 13 * HOUR)]);
  contact('l-idle', 'lead', start + DAY, null, []);

  // p90 and medians at small n: members with 1..k events.
  const ladder: string[] = [];
  for (let k = 1; k <= 12; k += 1) {
    const id = `u-ladder-${k}`;
    ladder.push(id);
    contact(id, 'user', longAgo, longAgo, Array.from({ length: k }, (_, i) => ev('step', start + i * 3 * HOUR + k)));
  }

  // Rounding ties: 200 active members, 201 events on 201 distinct member-days → 1.005 → "1.01".
  const tie: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    const id = `u-tie-${String(i).padStart(3, '0')}`;
    tie.push(id);
    contact(id, 'user', longAgo, longAgo, i === 0 ? [ev('tie', start + DAY), ev('tie', start + 3 * DAY)] : [ev('tie', start + DAY + i)]);
  }

  const users = contacts.filter((c) => c.role === 'user').map((c) => c.id);
  const cohorts: RawData['cohorts'] = [
    { type: 'segment', id: 'seg-all-users', name: 'All users, "really"', reported: users.length + 3, memberIds: [...users, users[0]!, users[3]!] },
    { type: 'segment', id: 'seg-leads', name: 'Leads only', reported: 2, memberIds: ['l-active', 'l-idle'] },
    { type: 'segment', id: 'seg-idle-leads', name: 'Idle leads', reported: 1, memberIds: ['l-idle'] },
    { type: 'tag', id: '99', name: '=cmd|calc', reported: null, memberIds: ['u-boundary', 'u-text'] },
    { type: 'tag', id: '1001', name: '-minus', reported: null, memberIds: ['u-duplicated', 'u-duplicated', 'u-returning'] },
    { type: 'tag', id: '123456', name: 'Boundary only', reported: null, memberIds: ['u-boundary'] },
    { type: 'tag', id: '555', name: 'Empty tag', reported: 0, memberIds: [] },
    { type: 'tag', id: '7', name: 'Ünïcödé 🇫🇷', reported: null, memberIds: ['u-sticky', 'u-zero-signup', 'u-null-signup'] },
  ];
  cohorts.push({ type: 'segment', id: 'seg-ties', name: 'Ties', reported: null, memberIds: tie });
  // Odd and even n from the ladder: tag "odd-k" has k members.
  for (let k = 1; k <= 12; k += 1) {
    cohorts.push({ type: 'tag', id: `ladder-${String(k).padStart(2, '0')}`, name: `Ladder ${k}`, reported: null, memberIds: ladder.slice(0, k) });
  }
  return { contacts: new Map(contacts.map((c) => [c.id, c])), cohorts, events };
}
