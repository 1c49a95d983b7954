import { localDateStartSec } from './month-window.js';
import { formatMonth } from './months.js';

/** First second of each local month, by zone and month index (year × 12 + month − 1). */
const monthStarts = new Map<string, Map<number, number>>();
const labels = new Map<number, string>();

function monthStartSec(timeZone: string, index: number): number {
  let starts = monthStarts.get(timeZone);
  if (starts === undefined) {
    starts = new Map();
    monthStarts.set(timeZone, starts);
  }
  let start = starts.get(index);
  if (start === undefined) {
    start = localDateStartSec(Math.floor(index / 12), index % 12, 1, timeZone);
    starts.set(index, start);
  }
  return start;
}

/**
 * The calendar month, in `timeZone`, that holds the whole Unix second `sec` (a member's signup
 * month), by the same boundaries as monthWindow: an instant is in M exactly when it lies in W(M).
 * Called once per member and month of a run, so it compares with cached month starts instead of
 * converting every instant: no zone is more than a day off UTC, so the local month is the UTC
 * month or one of its neighbours.
 *
 * @example monthOfInstant(1_790_805_600, 'Europe/Berlin'); // "2026-10" (00:00 local on 1 October)
 */
export function monthOfInstant(sec: number, timeZone: string): string {
  const utc = new Date(sec * 1000);
  let index = utc.getUTCFullYear() * 12 + utc.getUTCMonth();
  if (sec < monthStartSec(timeZone, index)) index -= 1;
  else if (sec >= monthStartSec(timeZone, index + 1)) index += 1;
  let label = labels.get(index);
  if (label === undefined) {
    label = formatMonth(Math.floor(index / 12), (index % 12) + 1);
    labels.set(index, label);
  }
  return label;
}
