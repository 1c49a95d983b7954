import { describe, expect, it } from 'vitest';
import {
  AMOUNTS_COLUMNS,
  EVENTS_COLUMNS,
  SUMMARY_COLUMNS,
  addMember,
  createCohortAccumulator,
  createReportWindows,
  summarizeCohort,
  type CohortMember,
} from '../../src/report/index.js';
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

function summaryOf(table: string[][], cohortId: string): Record<string, string> {
  const [header, ...rows] = table;
  const row = rows.find((r) => r[header!.indexOf('cohort_id')] === cohortId)!;
  return Object.fromEntries(header!.map((h, i) => [h, row[i]!]));
}

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

  it('gives a tie for top_event to the name first in JavaScript string order', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ours = (await computeMonths(data, ['2026-10'], 'UTC')).get('2026-10')!;
    const boundaryOnly = ours.summary.find((r) => r.cohort_id === '123456')!;
    // u-boundary alone: a-tie ×2 and b-tie ×2 in M.
    expect(boundaryOnly.top_event).toBe('a-tie');
    const tagSeven = ours.summary.find((r) => r.cohort_id === '7')!;
    // 'Zebra' and 'zebra' tie (10 each): 'Z' (U+005A) sorts before 'z'.
    expect(tagSeven.top_event).toBe('Zebra');
  });

  it('writes events_per_active and avg_active_days 201/200 as 1.01 (half up, not float)', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ours = (await computeMonths(data, ['2026-10'], 'UTC')).get('2026-10')!;
    const ties = ours.summary.find((r) => r.cohort_id === 'seg-ties')!;
    expect([ties.active_members, ties.events]).toEqual([200, 201]);
    expect(ties.events_per_active).toBe('1.01');
    expect(ties.avg_active_days).toBe('1.01');
  });

  it('takes the mean of the two middle values for even n and p90 as v[ceil(0.9 n)]', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ref = referenceMonth(data, { month: '2026-10', timeZone: 'UTC' });
    const ours = (await computeMonths(data, ['2026-10'], 'UTC')).get('2026-10')!;
    for (let k = 1; k <= 12; k += 1) {
      const id = `ladder-${String(k).padStart(2, '0')}`;
      const row = ours.summary.find((r) => r.cohort_id === id)!;
      // Members have 1..k events: the median of 1..k is (k+1)/2.
      expect(row.median_events_per_active).toBe(((k + 1) / 2).toFixed(2));
      expect(String(row.p90_events_per_active)).toBe(summaryOf(ref.summary, id).p90_events_per_active);
    }
    // n = 10: ceil(9) = 9th value; n = 11: ceil(9.9) = 10th value.
    expect(ours.summary.find((r) => r.cohort_id === 'ladder-10')!.p90_events_per_active).toBe(9);
    expect(ours.summary.find((r) => r.cohort_id === 'ladder-11')!.p90_events_per_active).toBe(10);
  });

  it('writes an empty cohort with zero counts and empty ratios', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ours = (await computeMonths(data, ['2026-10'], 'UTC')).get('2026-10')!;
    const empty = ours.summary.find((r) => r.cohort_id === '555')!;
    expect(empty).toMatchObject({
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
    expect(ours.events.some((r) => r.cohort_id === '555')).toBe(false);
  });

  it('reports lead-only cohorts, active or not', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const ours = (await computeMonths(data, ['2026-10'], 'UTC')).get('2026-10')!;
    expect(ours.summary.find((r) => r.cohort_id === 'seg-leads')).toMatchObject({ members: 2, active_members: 1, active_rate: '0.5000', events: 2 });
    expect(ours.summary.find((r) => r.cohort_id === 'seg-idle-leads')).toMatchObject({ members: 1, active_members: 0, active_rate: '0.0000', events_per_active: null });
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
        addMember(acc, { id: `m${i}`, role: 'user', createdAtSec: 0, signedUpAtSec: null }, {
          months: { [month]: { events: eventsPerMember, activeDays: 3, names: { 'signed-in': [eventsPerMember, start, start + 10] }, amounts: {} } },
        });
      }
      return JSON.stringify(acc).length;
    };
    // 1,000 events in all against 1,000,000: only the digits of the counts differ.
    expect(Math.abs(sized(1) - sized(1_000))).toBeLessThan(40);
  });
});
