import { TZDate } from '@date-fns/tz';
import { formatMonth } from './months.js';

/**
 * The calendar month, in `timeZone`, that holds the whole Unix second `sec` (a member's signup
 * month). Consistent with monthWindow: an instant is in M exactly when it lies in W(M).
 *
 * @example monthOfInstant(1_790_805_600, 'Europe/Berlin'); // "2026-10" (00:00 local on 1 October)
 */
export function monthOfInstant(sec: number, timeZone: string): string {
  const local = new TZDate(sec * 1000, timeZone);
  return formatMonth(local.getFullYear(), local.getMonth() + 1);
}
