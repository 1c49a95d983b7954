import { describe, expect, it } from 'vitest';
import {
  ReportInputError,
  classifyRetention,
  createReportWindows,
  formatIsoInZone,
  monthWindow,
  monthsInRange,
  previousMonth,
} from '../../src/report/index.js';
import { localDate, localMonth } from '../support/report-reference.js';

/** Checks every boundary of the window against Intl: the second before is on the previous local date, the boundary on the next. */
function expectBoundariesMatchIntl(month: string, timeZone: string): void {
  const w = monthWindow(month, timeZone);
  expect(localMonth(w.startSec, timeZone)).toBe(month);
  expect(localMonth(w.startSec - 1, timeZone)).toBe(previousMonth(month));
  expect(localMonth(w.endSec - 1, timeZone)).toBe(month);
  expect(localMonth(w.endSec, timeZone)).not.toBe(month);
  const days = w.dayStartsSec.length - 1;
  for (let d = 0; d < days; d += 1) {
    const start = w.dayStartsSec[d]!;
    expect(localDate(start, timeZone)).toBe(`${month}-${String(d + 1).padStart(2, '0')}`);
    expect(localDate(start - 1, timeZone)).not.toBe(localDate(start, timeZone));
  }
}

describe('monthWindow', () => {
  it('makes October 2026 in Europe/Berlin 745 hours long and March 2026 743', () => {
    const oct = monthWindow('2026-10', 'Europe/Berlin');
    const mar = monthWindow('2026-03', 'Europe/Berlin');
    expect((oct.endSec - oct.startSec) / 3600).toBe(745);
    expect((mar.endSec - mar.startSec) / 3600).toBe(743);
    expectBoundariesMatchIntl('2026-10', 'Europe/Berlin');
    expectBoundariesMatchIntl('2026-03', 'Europe/Berlin');
  });

  it('moves the America/New_York boundaries with DST (March 743 hours, November 30 × 24 + 1)', () => {
    const mar = monthWindow('2026-03', 'America/New_York');
    const nov = monthWindow('2026-11', 'America/New_York');
    expect((mar.endSec - mar.startSec) / 3600).toBe(743);
    expect((nov.endSec - nov.startSec) / 3600).toBe(30 * 24 + 1);
    expectBoundariesMatchIntl('2026-03', 'America/New_York');
    expectBoundariesMatchIntl('2026-11', 'America/New_York');
  });

  it('handles the 45-minute offset of Pacific/Chatham, including its April DST end', () => {
    const apr = monthWindow('2024-04', 'Pacific/Chatham');
    expect(formatIsoInZone(apr.startSec, 'Pacific/Chatham')).toBe('2024-04-01T00:00:00+13:45');
    expect(formatIsoInZone(apr.endSec, 'Pacific/Chatham')).toBe('2024-05-01T00:00:00+12:45');
    expect((apr.endSec - apr.startSec) / 3600).toBe(30 * 24 + 1);
    for (const m of ['2024-04', '2024-09', '2025-01']) expectBoundariesMatchIntl(m, 'Pacific/Chatham');
  });

  it('starts a day whose midnight does not exist at its first real instant (America/Santiago, 2022-09-11)', () => {
    const sep = monthWindow('2022-09', 'America/Santiago');
    expect(formatIsoInZone(sep.dayStartsSec[10]!, 'America/Santiago')).toBe('2022-09-11T01:00:00-03:00');
    expectBoundariesMatchIntl('2022-09', 'America/Santiago');
  });

  it('knows leap years and the length of every month in UTC', () => {
    for (const [month, days] of [['2024-02', 29], ['2025-02', 28], ['2100-02', 28], ['2000-02', 29], ['2026-04', 30], ['2026-12', 31]] as const) {
      const w = monthWindow(month, 'UTC');
      expect(w.dayStartsSec).toHaveLength(days + 1);
      expect(w.endSec - w.startSec).toBe(days * 86_400);
      expect(w.startSec).toBe(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)) - 1, 1) / 1000);
    }
  });

  it('refuses malformed months and unknown zones with REPORT_INVALID_INPUT', () => {
    for (const bad of ['2026-13', '2026-1', '26-01', '2026-00', '']) {
      expect(() => monthWindow(bad, 'UTC')).toThrow(ReportInputError);
    }
    try {
      monthWindow('2026-01', 'Mars/Olympus');
      expect.unreachable();
    } catch (err) {
      expect((err as ReportInputError).code).toBe('REPORT_INVALID_INPUT');
    }
  });
});

describe('createReportWindows', () => {
  it('adds each reported month’s previous month, sorted and without duplicates', () => {
    const w = createReportWindows(['2026-03', '2026-01', '2026-02', '2026-01'], 'UTC');
    expect(w.reportMonths).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(w.windows.map((x) => x.month)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03']);
  });

  it('crosses year boundaries in months arithmetic', () => {
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(monthsInRange('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsInRange('2026-02', '2026-01')).toEqual([]);
  });
});

describe('classifyRetention', () => {
  const windows = createReportWindows(['2026-10'], 'UTC');
  const sepStart = monthWindow('2026-09', 'UTC').startSec;
  const octStart = monthWindow('2026-10', 'UTC').startSec;
  const day = 86_400;

  it('is complete while W(M-1) starts no more than 90 days before now (exactly 90 included)', () => {
    expect(classifyRetention(windows, '2026-10', sepStart + 90 * day)).toBe('complete');
  });

  it('flags only the previous month once W(M-1) starts more than 90 days before now', () => {
    expect(classifyRetention(windows, '2026-10', sepStart + 90 * day + 1)).toBe('previous_month_beyond_retention');
    expect(classifyRetention(windows, '2026-10', octStart + 90 * day)).toBe('previous_month_beyond_retention');
  });

  it('flags the month itself once W(M) starts more than 90 days before now', () => {
    expect(classifyRetention(windows, '2026-10', octStart + 90 * day + 1)).toBe('month_beyond_retention');
  });
});
