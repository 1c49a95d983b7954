import { describe, expect, it } from 'vitest';
import {
  AMOUNTS_COLUMNS,
  EVENTS_COLUMNS,
  SUMMARY_COLUMNS,
  addMember,
  createCohortAccumulator,
  createContactAccumulator,
  createReportWindows,
  finishContact,
  foldEvent,
  type CohortSummaryRow,
} from '../../src/report/index.js';
import { summarizeCohort, type CohortMember } from '../support/summarize-cohort.js';
import { computeMonths, foldContact, toCells, toCohort, toMember } from '../support/report-drive.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { referenceMonth, type RawData } from '../support/report-reference.js';

const CASES: Array<[month: string, timeZone: string]> = [
  ['2026-10', 'Europe/Berlin'],
  ['2026-03', 'Europe/Berlin'],
  ['2026-11', 'America/New_York'],
  ['2026-03', 'America/New_York'],
  ['2024-04', 'Pacific/Chatham'],
  ['2026-01', 'UTC'],
];

describe('summarizeCohort on hand-made edge cases', () => {
  for (const [month, timeZone] of CASES) {
    it(`matches the brute-force reference cell for cell in ${month} ${timeZone}`, async () => {
      const data = edgeRawData(month, timeZone);
      const ours = (await computeMonths(data, [month], timeZone)).get(month)!;
      const ref = referenceMonth(data, { month, timeZone });
      expect(toCells(ours.summary, SUMMARY_COLUMNS)).toEqual(ref.summary);
      expect(toCells(ours.events, EVENTS_COLUMNS)).toEqual(ref.events);
      expect(toCells(ours.amounts, AMOUNTS_COLUMNS)).toEqual(ref.amounts);
    });
  }

  it('computes the month after too (the boundary events now fall on the other side)', async () => {
    const data = edgeRawData('2026-10', 'Europe/Berlin');
    const months = await computeMonths(data, ['2026-10', '2026-11'], 'Europe/Berlin');
    for (const month of ['2026-10', '2026-11']) {
      const ref = referenceMonth(data, { month, timeZone: 'Europe/Berlin' });
      expect(toCells(months.get(month)!.summary, SUMMARY_COLUMNS)).toEqual(ref.summary);
      expect(toCells(months.get(month)!.events, EVENTS_COLUMNS)).toEqual(ref.events);
    }
  });

  it('leaves lifecycle and _prev columns empty when the previous month is beyond retention', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ours = (await computeMonths(data, ['2026-10'], 'UTC', { previousBeyondRetention: () => true })).get('2026-10')!;
    const ref = referenceMonth(data, { month: '2026-10', timeZone: 'UTC', previousBeyondRetention: true });
    expect(toCells(ours.summary, SUMMARY_COLUMNS)).toEqual(ref.summary);
    for (const row of ours.summary) {
      expect([row.lifecycle_new, row.lifecycle_returning, row.lifecycle_resurrecting, row.lifecycle_dormant, row.events_prev, row.active_members_prev]).toEqual(
        [null, null, null, null, null, null],
      );
    }
  });

  it('keeps new + returning + resurrecting equal to active_members', async () => {
    for (const [month, timeZone] of CASES) {
      const ours = (await computeMonths(edgeRawData(month, timeZone), [month], timeZone)).get(month)!;
      for (const r of ours.summary) {
        expect(r.lifecycle_new! + r.lifecycle_returning! + r.lifecycle_resurrecting!).toBe(r.active_members);
      }
    }
  });
});

describe('cohort accumulators', () => {
  const month = '2026-10';
  const timeZone = 'Europe/Berlin';
  const data: RawData = edgeRawData(month, timeZone);
  const windows = createReportWindows([month], timeZone);
  const cohort = data.cohorts.find((c) => c.id === 'seg-all-users')!;
  const members: CohortMember[] = [...new Set(cohort.memberIds)].map((id) => ({
    member: toMember(data.contacts.get(id)!),
    stats: foldContact(data.events.get(id) ?? [], windows),
  }));

  it('accept batches from an async iterable and skip a member id listed twice, in another batch or the same', async () => {
    const source = async function* (): AsyncGenerator<CohortMember[]> {
      yield members.slice(0, 2);
      yield [...members.slice(2), members[2]!];
      yield [members[0]!];
    };
    const fromAsync = await summarizeCohort(toCohort(cohort), source(), { windows, months: [{ month }] });
    const fromArray = await summarizeCohort(toCohort(cohort), [members], { windows, months: [{ month }] });
    expect(fromAsync).toEqual(fromArray);
    expect(fromArray[0]!.summary.members).toBe(members.length);
  });

  it('give one set of rows per month from the same pass, each what a pass for that month alone gives', async () => {
    const both = createReportWindows(['2026-09', month], timeZone);
    const bothStats = members.map(({ member }) => ({ member, stats: foldContact(data.events.get(member.id) ?? [], both) }));
    const [september, october] = await summarizeCohort(toCohort(cohort), [bothStats], { windows: both, months: [{ month: '2026-09' }, { month }] });
    expect(september).toEqual((await summarizeCohort(toCohort(cohort), [bothStats], { windows: both, months: [{ month: '2026-09' }] }))[0]);
    expect(october).toEqual((await summarizeCohort(toCohort(cohort), [bothStats], { windows: both, months: [{ month }] }))[0]);
    expect(september!.summary.month).toBe('2026-09');
  });

  it('treat a member with null stats (vanished before its events were fetched) as inactive', async () => {
    const [rows] = await summarizeCohort(toCohort(cohort), [[{ member: members[0]!.member, stats: null }]], { windows, months: [{ month }] });
    expect(rows!.summary).toMatchObject({ members: 1, active_members: 0, events: 0 });
  });

  it('do not grow with the number of events, only with distinct counts and names', () => {
    const sized = (eventsPerMember: number): number => {
      const acc = createCohortAccumulator(windows, month);
      const start = windows.windows[1]!.startSec;
      for (let i = 0; i < 1_000; i += 1) {
        addMember(acc, { id: `m${i}`, role: 'user', createdAtSec: 0, signedUpAtSec: null, unsubscribedFromEmails: false }, {
          months: { [month]: { events: eventsPerMember, activeDays: 3, names: { 'signed-in': [eventsPerMember, start, start + 10] }, amounts: {} } },
        });
      }
      return JSON.stringify(acc).length;
    };
    // 1,000 events in all against 1,000,000: only the digits of the counts differ.
    expect(Math.abs(sized(1) - sized(1_000))).toBeLessThan(40);
  });
});

/**
 * Hand-sized cohorts in October 2026 (UTC), each built beside the assertion it proves: a member is
 * its role and the days of October on which it had which events.
 */
describe('summarizeCohort, one behaviour at a time', () => {
  const month = '2026-10';
  const windows = createReportWindows([month], 'UTC');
  const octoberDay = (day: number): number => Date.parse(`2026-10-${String(day).padStart(2, '0')}T12:00:00Z`) / 1000;
  const longAgo = Date.parse('2025-01-01T00:00:00Z') / 1000;
  let serial = 0;

  /** A member who signed up long ago, with `events` as [name, day of October] pairs. */
  const member = (events: Array<[name: string, day: number]>, role: 'user' | 'lead' = 'user'): CohortMember => {
    serial += 1;
    const acc = createContactAccumulator();
    events.forEach(([name, day], i) => foldEvent(acc, { id: `e${serial}.${i}`, name, createdAtSec: octoberDay(day), metadata: {} }, windows));
    return { member: { id: `c${serial}`, role, createdAtSec: longAgo, signedUpAtSec: null, unsubscribedFromEmails: false }, stats: finishContact(acc) };
  };
  const summaryOf = async (members: CohortMember[]): Promise<CohortSummaryRow> => {
    const cohort = { type: 'segment' as const, id: 's', name: 'S', memberCountReported: members.length, personType: null };
    return (await summarizeCohort(cohort, [members], { windows, months: [{ month }] }))[0]!.summary;
  };
  const times = (n: number, name: string, day = 1): Array<[string, number]> => Array.from({ length: n }, () => [name, day]);

  it('gives a tie for top_event to the name first in JavaScript string order', async () => {
    expect((await summaryOf([member([...times(2, 'b-tie'), ...times(2, 'a-tie')])])).top_event).toBe('a-tie');
    // 'Z' (U+005A) sorts before 'z' (U+007A); no locale folding.
    expect((await summaryOf([member(times(10, 'zebra')), member(times(10, 'Zebra'))])).top_event).toBe('Zebra');
    expect((await summaryOf([member([...times(3, 'b'), ...times(2, 'a')])])).top_event).toBe('b');
  });

  it('writes events_per_active and avg_active_days 201/200 as 1.01 (half up on exact integers, not float)', async () => {
    // 199 members with one event on one day; one with two events on two days: 201 events, 201 active days.
    const members = [...Array.from({ length: 199 }, () => member([['signed-in', 3]])), member([['signed-in', 3], ['signed-in', 4]])];
    const row = await summaryOf(members);
    expect([row.active_members, row.events]).toEqual([200, 201]);
    expect(row.events_per_active).toBe('1.01');
    expect(row.avg_active_days).toBe('1.01');
  });

  it('takes the mean of the two middle values for even n, and p90 as the ceil(0.9 n)-th value', async () => {
    for (let n = 1; n <= 12; n += 1) {
      // Members with 1, 2, …, n events: the sorted values are 1..n themselves.
      const row = await summaryOf(Array.from({ length: n }, (_, i) => member(times(i + 1, 'open'))));
      expect(row.median_events_per_active, `n=${n}`).toBe(((n + 1) / 2).toFixed(2));
      expect(row.p90_events_per_active, `n=${n}`).toBe(Math.ceil((9 * n) / 10));
    }
    // Uneven values: 1, 1, 5, 100 → median (1 + 5) / 2 = 3.00, p90 the 4th value.
    const row = await summaryOf([member(times(1, 'x')), member(times(1, 'x')), member(times(5, 'x')), member(times(100, 'x'))]);
    expect([row.median_events_per_active, row.p90_events_per_active]).toEqual(['3.00', 100]);
  });

  it('writes an empty cohort with zero counts, empty ratios and no event rows', async () => {
    const cohort = { type: 'segment' as const, id: 'empty', name: 'Empty', memberCountReported: 0, personType: null };
    const [rows] = await summarizeCohort(cohort, [], { windows, months: [{ month }] });
    expect(rows!.summary).toMatchObject({
      members: 0,
      members_reported: 0,
      active_members: 0,
      active_rate: null,
      events_per_active: null,
      median_events_per_active: null,
      p90_events_per_active: null,
      avg_active_days: null,
      top_event: null,
      distinct_event_names: 0,
      lifecycle_dormant: 0,
    });
    expect([rows!.events, rows!.amounts, rows!.retention]).toEqual([[], [], []]);
  });

  it('reports lead-only cohorts, active or not', async () => {
    expect(await summaryOf([member([['page-view', 2], ['page-view', 2]], 'lead'), member([], 'lead')])).toMatchObject({
      members: 2,
      active_members: 1,
      active_rate: '0.5000',
      events: 2,
    });
    expect(await summaryOf([member([], 'lead')])).toMatchObject({ members: 1, active_members: 0, active_rate: '0.0000', events_per_active: null });
  });
});
