import { describe, expect, it } from 'vitest';
import { TRENDS_COLUMNS, summarizeTrends, type TrendInput } from '../../src/report/index.js';
import { toCells } from '../support/report-drive.js';
import { REF_SUMMARY_HEADER, referenceTrends } from '../support/report-reference.js';
import { xorshift } from '../support/xorshift.js';

/** Summary tables (only the columns trends read matter) for cohorts over months, with gaps and zeros. */
function randomMonths(seed: number): Array<{ month: string; summary: string[][] }> {
  const next = xorshift(seed);
  const months = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-04'];
  const cohorts = [['segment', 'b'], ['segment', 'a'], ['tag', '99'], ['tag', '1001'], ['tag', '7']] as const;
  return months.map((month) => {
    const rows: string[][] = [];
    for (const [type, id] of cohorts) {
      if (next() < 0.2) continue;
      const members = next() < 0.15 ? 0 : Math.floor(next() * 400);
      const active = members === 0 || next() < 0.15 ? 0 : Math.floor(next() * (members + 1));
      const events = active === 0 ? 0 : active + Math.floor(next() * 3_000);
      const row = REF_SUMMARY_HEADER.map(() => '');
      const set = (col: string, v: string): void => {
        row[REF_SUMMARY_HEADER.indexOf(col)] = v;
      };
      set('month', month);
      set('cohort_type', type);
      set('cohort_id', id);
      set('cohort_name', `=${type} ${id}`);
      set('members', String(members));
      set('active_members', String(active));
      set('events', String(events));
      rows.push(row);
    }
    return { month, summary: [REF_SUMMARY_HEADER, ...rows] };
  });
}

function toInputs(months: Array<{ month: string; summary: string[][] }>): TrendInput[] {
  return months.flatMap(({ month, summary }) => {
    const [header, ...rows] = summary;
    const col = (row: string[], name: string): string => row[header!.indexOf(name)]!;
    return rows.map((row) => ({
      month,
      cohort_type: col(row, 'cohort_type'),
      cohort_id: col(row, 'cohort_id'),
      cohort_name: col(row, 'cohort_name'),
      members: Number(col(row, 'members')),
      active_members: Number(col(row, 'active_members')),
      events: Number(col(row, 'events')),
    }));
  });
}

describe('summarizeTrends', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`matches the reference's exact fraction arithmetic (seed ${seed}), gaps and zeros included`, () => {
      const months = randomMonths(seed);
      expect(toCells(summarizeTrends(toInputs(months)), TRENDS_COLUMNS)).toEqual(referenceTrends(months));
    });
  }

  it('compares against the nearest earlier month the cohort appears in and names it', () => {
    const base = { cohort_type: 'tag', cohort_id: '1', cohort_name: 'x' };
    const rows = summarizeTrends([
      { ...base, month: '2026-04', members: 10, active_members: 5, events: 20 },
      { ...base, month: '2026-01', members: 8, active_members: 4, events: 10 },
    ]);
    expect(rows.map((r) => [r.month, r.previous_month])).toEqual([
      ['2026-01', null],
      ['2026-04', '2026-01'],
    ]);
    expect(rows[1]).toMatchObject({ members_change: 2, members_change_pct: '25.00', events_change_pct: '100.00', active_rate_change: '0.0000', active_rate_change_pct: '0.00' });
  });

  it('writes a decrease as a negative change and leaves percent empty against a zero base', () => {
    const base = { cohort_type: 'segment', cohort_id: 's', cohort_name: 's' };
    const [, down] = summarizeTrends([
      { ...base, month: '2026-01', members: 3, active_members: 0, events: 0 },
      { ...base, month: '2026-02', members: 2, active_members: 1, events: 3 },
    ]);
    expect(down).toMatchObject({ members_change: -1, members_change_pct: '-33.33', active_members_change_pct: null, events_change_pct: null, events_per_active_change: null });
  });
});
