/**
 * Calendar arithmetic on `YYYY-MM` month labels. Labels are plain strings so they can be keys in
 * JSON state; these helpers are the only place that takes them apart.
 */
import { ReportInputError } from './errors.js';

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface MonthParts {
  year: number;
  /** 1..12 */
  monthNumber: number;
}

/** True for a well-formed `YYYY-MM` label (years 0000–9999). */
export function isMonth(value: string): boolean {
  return MONTH_PATTERN.test(value);
}

/**
 * @example
 * parseMonth('2026-10'); // { year: 2026, monthNumber: 10 }
 */
export function parseMonth(month: string): MonthParts {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new ReportInputError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  return { year: Number(match[1]), monthNumber: Number(match[2]) };
}

export function formatMonth(year: number, monthNumber: number): string {
  return `${String(year).padStart(4, '0')}-${String(monthNumber).padStart(2, '0')}`;
}

/** Shifts a month label by `count` months (negative goes back). */
export function addMonths(month: string, count: number): string {
  const { year, monthNumber } = parseMonth(month);
  const index = year * 12 + (monthNumber - 1) + count;
  const shifted = formatMonth(Math.floor(index / 12), (index % 12) + 1);
  if (!isMonth(shifted)) throw new ReportInputError(`month ${month} shifted by ${count} leaves years 0000–9999`);
  return shifted;
}

/** @example previousMonth('2026-01') // '2025-12' */
export function previousMonth(month: string): string {
  return addMonths(month, -1);
}

/** Every month from `first` to `last`, both included, ascending; empty when `last` is before `first`. */
export function monthsInRange(first: string, last: string): string[] {
  parseMonth(first);
  parseMonth(last);
  const out: string[] = [];
  for (let m = first; m <= last; m = addMonths(m, 1)) {
    out.push(m);
    if (m === last) break;
  }
  return out;
}

/**
 * Whole calendar months from `from` to `to` (negative when `to` is earlier).
 *
 * @example monthsBetween('2025-11', '2026-02'); // 3
 */
export function monthsBetween(from: string, to: string): number {
  const a = parseMonth(from);
  const b = parseMonth(to);
  return (b.year - a.year) * 12 + (b.monthNumber - a.monthNumber);
}
