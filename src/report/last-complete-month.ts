import { TZDate } from '@date-fns/tz';
import { formatMonth, previousMonth } from './months.js';

/**
 * The latest month that has ended at `nowMs` in `timeZone`: the month before the one `nowMs` falls in
 * there. A schedule firing at 03:00 UTC on the 1st asks for two months back in America/Los_Angeles,
 * where it is still the last evening of the month.
 *
 * @example
 * lastCompleteMonth(Date.parse('2026-11-01T03:00:00Z'), 'Europe/Berlin') // '2026-10'
 */
export function lastCompleteMonth(nowMs: number, timeZone: string): string {
  const local = new TZDate(nowMs, timeZone);
  return previousMonth(formatMonth(local.getFullYear(), local.getMonth() + 1));
}
