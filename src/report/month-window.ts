/**
 * A month's window in a time zone: the half-open interval [first instant of M, first instant of M+1)
 * in Unix seconds, plus the first instant of every calendar day of M, so an event's local date can be
 * found by a binary search instead of a time-zone conversion per event.
 */
import { TZDate } from '@date-fns/tz';
import { ReportInputError } from './errors.js';
import { parseMonth } from './months.js';

export interface MonthWindow {
  /** `YYYY-MM` */
  month: string;
  timeZone: string;
  /** First second of the month in `timeZone` (inclusive). */
  startSec: number;
  /** First second of the next month (exclusive). */
  endSec: number;
  /**
   * First second of each local day of the month, then `endSec`: day d (1-based) is
   * [dayStartsSec[d-1], dayStartsSec[d]). Length is the number of days + 1.
   */
  dayStartsSec: number[];
}

/** Throws unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (cause) {
    throw new ReportInputError(`unknown time zone ${JSON.stringify(timeZone)}`, { cause });
  }
}

/**
 * The first instant of a local calendar date. TZDate moves a midnight that does not exist (a DST
 * change at 00:00, e.g. America/Santiago) to the first instant that does, which is what we want.
 * Ceil: an event at whole second t is in the window iff t * 1000 >= the boundary in milliseconds.
 */
export function localDateStartSec(year: number, monthIndex: number, day: number, timeZone: string): number {
  const ms = +new TZDate(year, monthIndex, day, timeZone);
  if (!Number.isFinite(ms)) throw new ReportInputError(`cannot place ${year}-${monthIndex + 1}-${day} in ${timeZone}`);
  return Math.ceil(ms / 1000);
}

/**
 * @example
 * const w = monthWindow('2026-10', 'Europe/Berlin');
 * (w.endSec - w.startSec) / 3600; // 745: the clocks go back one hour in October
 */
export function monthWindow(month: string, timeZone: string): MonthWindow {
  const { year, monthNumber } = parseMonth(month);
  assertTimeZone(timeZone);
  const monthIndex = monthNumber - 1;
  const days = new Date(Date.UTC(2001, monthIndex + 1, 0)).getUTCDate() + (monthIndex === 1 && isLeap(year) ? 1 : 0);
  const dayStartsSec: number[] = [];
  for (let day = 1; day <= days; day += 1) dayStartsSec.push(localDateStartSec(year, monthIndex, day, timeZone));
  // Day `days + 1` of this month is the first of the next; TZDate rolls the overflow over.
  dayStartsSec.push(localDateStartSec(year, monthIndex, days + 1, timeZone));
  return {
    month,
    timeZone,
    startSec: dayStartsSec[0]!,
    endSec: dayStartsSec[days]!,
    dayStartsSec,
  };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
