/**
 * cohort_retention rows (METRICS.md) through the real src/report path, against the brute-force
 * reference (signup months from Intl, month distances counted step by step), on members placed on
 * the local month edges of a DST zone and of zones 45 minutes off the hour.
 */
import { describe, expect, it } from 'vitest';
import { RETENTION_COLUMNS, formatAmountMajor } from '../../src/report/index.js';
import { computeMonths, toCells } from '../support/report-drive.js';
import { monthStartByIntl } from '../support/report-edge-data.js';
import { localMonth, monthBefore, referenceMonth, refAmountMajor, type RawContact, type RawData, type RawEvent } from '../support/report-reference.js';

const MONTHS = ['2026-02', '2026-03', '2026-04'];

/** Contacts whose signup times sit on and around every local month edge from 2025-12 to 2026-05. */
function edgeSignups(timeZone: string): RawData {
  const contacts = new Map<string, RawContact>();
  const events = new Map<string, RawEvent[]>();
  let n = 0;
  const add = (createdAt: number, signedUpAt: number | null, eventTimes: number[]): void => {
    const id = `c${String(n++).padStart(3, '0')}`;
    contacts.set(id, { id, role: n % 3 === 0 ? 'lead' : 'user', created_at: createdAt, signed_up_at: signedUpAt, unsubscribed_from_emails: n % 4 === 0 });
    events.set(id, eventTimes.map((t, i) => ({ id: `${id}-e${i}`, event_name: 'signed-in', created_at: t })));
  };
  for (const month of ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05']) {
    const start = monthStartByIntl(month, timeZone);
    const mid = start + 14 * 86_400;
    for (const edge of [start - 1, start, start + 1]) {
      add(edge, null, [mid + 3_600]); // signed_up_at null: created_at is the signup
      add(edge, 0, []); // signed_up_at 0: created_at too
      add(1_600_000_000, edge, [edge, edge + 7_200, mid]); // signed_up_at wins over an old created_at
    }
  }
  // Signed up long before any reported month, active in each.
  add(1_500_000_000, null, MONTHS.map((m) => monthStartByIntl(m, timeZone) + 86_400));
  const ids = [...contacts.keys()];
  return {
    contacts,
    events,
    cohorts: [
      { type: 'segment', id: 'all', name: 'Everyone', reported: ids.length, memberIds: [...ids, ids[0]!] },
      { type: 'tag', id: '1001', name: 'Odd', reported: null, memberIds: ids.filter((_, i) => i % 2 === 1) },
      { type: 'tag', id: '99', name: 'Empty', reported: 0, memberIds: [] },
    ],
  };
}

describe('cohort_retention rows', () => {
  for (const timeZone of ['America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham']) {
    it(`equal the brute force for every month of a backfill, signups on the month edges (${timeZone})`, async () => {
      const data = edgeSignups(timeZone);
      const computed = await computeMonths(data, MONTHS, timeZone);
      for (const month of MONTHS) {
        const ref = referenceMonth(data, { month, timeZone });
        expect(toCells(computed.get(month)!.retention, RETENTION_COLUMNS), month).toEqual(ref.retention);
      }
    });
  }

  it('put a member in the signup month of its local time, and members who signed up after M in no row', async () => {
    const timeZone = 'America/New_York';
    const data = edgeSignups(timeZone);
    const month = '2026-03';
    const rows = (await computeMonths(data, [month], timeZone)).get(month)!.retention.filter((r) => r.cohort_id === 'all');
    const end = monthStartByIntl('2026-04', timeZone);
    const signedUpBy = [...data.contacts.values()].filter((c) => (c.signed_up_at && c.signed_up_at > 0 ? c.signed_up_at : c.created_at) < end);
    // Every member who signed up by the end of M is in exactly one row; the rest (April and May signups) in none.
    expect(rows.reduce((s, r) => s + r.members, 0)).toBe(signedUpBy.length);
    expect(signedUpBy.length).toBeLessThan(data.contacts.size);
    expect(rows.map((r) => r.signup_month)).toEqual(['2017-07', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']);
    expect(rows.map((r) => r.months_since_signup)).toEqual([104, 4, 3, 2, 1, 0]);
    // The second before 1 March local time is February's, the first second of March is March's.
    const marchStart = monthStartByIntl(month, timeZone);
    expect([localMonth(marchStart - 1, timeZone), localMonth(marchStart, timeZone)]).toEqual([monthBefore(month), month]);
    // Three contacts on each edge instant: March holds its first two edges (start, start + 1) and
    // the last second before April; February likewise.
    expect(rows.find((r) => r.signup_month === '2026-03')!.members).toBe(9);
    expect(rows.find((r) => r.signup_month === '2026-02')!.members).toBe(9);
    expect(rows.find((r) => r.signup_month === '2025-11')!.members).toBe(3);
  });

  it('give an empty cohort no row', async () => {
    const data = edgeSignups('UTC');
    const rows = (await computeMonths(data, ['2026-03'], 'UTC')).get('2026-03')!.retention;
    expect(rows.some((r) => r.cohort_id === '99')).toBe(false);
  });
});

describe('formatAmountMajor', () => {
  it("writes amounts with the currency's own digits, exactly at any size, as the division of the reference does", () => {
    const cases: Array<[string, string]> = [
      ['12345', 'usd'], ['-12345', 'eur'], ['5', 'gbp'], ['-5', 'usd'], ['0', 'usd'], ['166', 'jpy'], ['-166', 'krw'],
      ['1234', 'bhd'], ['-7', 'kwd'], ['10', 'clf'], [(2n ** 100n + 7n).toString(), 'usd'], [`-${10n ** 40n}`, 'bhd'],
      ['42', 'USD'], ['42', 'xyz'], ['42', ''], ['42', 'us'],
    ];
    for (const [amount, currency] of cases) expect([amount, currency, formatAmountMajor(amount, currency) ?? '']).toEqual([amount, currency, refAmountMajor(amount, currency)]);
    expect(formatAmountMajor('12345', 'usd')).toBe('123.45');
    expect(formatAmountMajor('166', 'jpy')).toBe('166');
    expect(formatAmountMajor('1234', 'bhd')).toBe('1.234');
    expect(formatAmountMajor('42', 'xyz')).toBeNull();
  });
});
