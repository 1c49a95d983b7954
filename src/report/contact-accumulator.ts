/**
 * The per-contact fold: events go in one at a time (pages in any order, repeats allowed), and
 * `finishContact` gives the compact `ContactStats`.
 *
 * Only events inside one of the run's windows are looked at; their ids are remembered so a repeated
 * id (overlapping pages) counts once. Raw events are never kept.
 */
import type { ContactEvent } from '../intercom/types.js';
import { addAmounts, amountKey, type AmountStats, type ContactStats, type NameStats } from './contact-stats.js';
import type { ReportWindows } from './create-report-windows.js';
import type { MonthWindow } from './month-window.js';
import { createRecord, getOwn, setOwn } from './own-record.js';
import { readMonetaryAmount } from './read-monetary-amount.js';

interface ContactMonthAccumulator {
  events: number;
  /** Bit d set: an event on local day d+1 of the month (at most 31 days: bits 0..30). */
  dayMask: number;
  names: Record<string, NameStats>;
  amounts: Record<string, AmountStats>;
}

export interface ContactAccumulator {
  /** Ids of events already counted (those inside a window only). */
  seenIds: Set<string>;
  months: Record<string, ContactMonthAccumulator>;
}

/** @example const acc = createContactAccumulator(); */
export function createContactAccumulator(): ContactAccumulator {
  return { seenIds: new Set(), months: {} };
}

function windowOf(windows: readonly MonthWindow[], sec: number): MonthWindow | undefined {
  for (const w of windows) {
    if (sec < w.startSec) return undefined;
    if (sec < w.endSec) return w;
  }
  return undefined;
}

/** Index (0-based) of the local day of `sec` within `w`; `sec` must be inside the window. */
function dayIndex(w: MonthWindow, sec: number): number {
  const starts = w.dayStartsSec;
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= sec) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Folds one event into the accumulator (mutating it). Returns true when the event was counted,
 * false when it lies outside every window or its id was seen before.
 *
 * @example
 * foldEvent(acc, { id: 'e1', name: 'signed-in', createdAtSec: 1_790_000_000, metadata: {} }, windows);
 */
export function foldEvent(acc: ContactAccumulator, event: ContactEvent, windows: ReportWindows): boolean {
  const sec = event.createdAtSec;
  const w = windowOf(windows.windows, sec);
  if (w === undefined) return false;
  if (acc.seenIds.has(event.id)) return false;
  acc.seenIds.add(event.id);

  let month = acc.months[w.month];
  if (month === undefined) {
    month = { events: 0, dayMask: 0, names: createRecord<NameStats>(), amounts: createRecord<AmountStats>() };
    acc.months[w.month] = month;
  }
  month.events += 1;
  month.dayMask |= 1 << dayIndex(w, sec);

  const name = event.name;
  const nameStats = getOwn(month.names, name);
  if (nameStats === undefined) {
    setOwn(month.names, name, [1, sec, sec]);
  } else {
    nameStats[0] += 1;
    if (sec < nameStats[1]) nameStats[1] = sec;
    if (sec > nameStats[2]) nameStats[2] = sec;
  }

  const metadata = event.metadata;
  if (typeof metadata === 'object' && metadata !== null) {
    for (const key of Object.keys(metadata)) {
      const money = readMonetaryAmount(metadata[key]);
      if (money === null) continue;
      const k = amountKey(name, key, money.currency);
      const sum = month.amounts[k];
      if (sum === undefined) {
        month.amounts[k] = [addAmounts(0, money.amountMinor), 1];
      } else {
        sum[0] = addAmounts(sum[0], money.amountMinor);
        sum[1] += 1;
      }
    }
  }
  return true;
}

function countBits(mask: number): number {
  let n = mask >>> 0;
  let bits = 0;
  while (n !== 0) {
    n &= n - 1;
    bits += 1;
  }
  return bits;
}

/**
 * The compact stats of a contact, without the seen-id set. The result shares the per-name and
 * per-amount records with the accumulator: stop folding into `acc` once it is finished.
 */
export function finishContact(acc: ContactAccumulator): ContactStats {
  const months: ContactStats['months'] = {};
  for (const [month, m] of Object.entries(acc.months)) {
    months[month] = { events: m.events, activeDays: countBits(m.dayMask), names: m.names, amounts: m.amounts };
  }
  return { months };
}
