/**
 * The per-cohort reduction for one month, one member at a time. Memory is bounded by the number of
 * distinct event names, amount groups, signup months and distinct per-member event counts — never
 * by the number of events: the median and p90 come from a histogram of events_M(u), not from a
 * sorted array.
 *
 * Plain JSON. finishCohort (finish-cohort.ts) turns it into the cohort's rows.
 */
import type { Member } from '../intercom/types.js';
import { addAmounts, type AmountStats, type ContactStats } from './contact-stats.js';
import { findWindow, type ReportWindows } from './create-report-windows.js';
import { monthOfInstant } from './month-of-instant.js';
import { previousMonth } from './months.js';
import { createRecord, getOwn, setOwn } from './own-record.js';
import { signupSec } from './signup-sec.js';

/** Per event name: [events, members with at least one, first created_at, last created_at]. */
type CohortNameStats = [events: number, members: number, firstSec: number, lastSec: number];

/** Per signup month: [members, of those active in M, their events in M]. */
type SignupMonthStats = [members: number, activeMembers: number, events: number];

export interface CohortAccumulator {
  month: string;
  previousMonth: string;
  /** The report time zone, for signup months. */
  timeZone: string;
  /** W(M), for "new in M". */
  startSec: number;
  endSec: number;
  members: number;
  newMembers: number;
  activeMembers: number;
  events: number;
  activeDaysTotal: number;
  /** Active members with active_days 1, 2–3, 4–7, 8–14, 15+. */
  stickiness: [number, number, number, number, number];
  lifecycleNew: number;
  lifecycleReturning: number;
  lifecycleResurrecting: number;
  lifecycleDormant: number;
  eventsPrev: number;
  activeMembersPrev: number;
  /** Members listed with `unsubscribed_from_emails: true` (their state at the run, not in M). */
  unsubscribedMembers: number;
  /** events_M(u) → number of active members with exactly that many events. */
  eventsHistogram: Record<string, number>;
  names: Record<string, CohortNameStats>;
  /** Keyed like ContactMonthStats.amounts: [sum in minor units (number, or decimal string beyond 2^53), events]. */
  amounts: Record<string, AmountStats>;
  /** Keyed by signup month `YYYY-MM` (up to and including M) for cohort_retention.csv. */
  signupMonths: Record<string, SignupMonthStats>;
}

/**
 * @example
 * const acc = createCohortAccumulator(windows, '2026-10');
 */
export function createCohortAccumulator(windows: ReportWindows, month: string): CohortAccumulator {
  const w = findWindow(windows, month);
  const prev = previousMonth(month);
  findWindow(windows, prev);
  return {
    month,
    previousMonth: prev,
    timeZone: windows.timeZone,
    startSec: w.startSec,
    endSec: w.endSec,
    members: 0,
    newMembers: 0,
    activeMembers: 0,
    events: 0,
    activeDaysTotal: 0,
    stickiness: [0, 0, 0, 0, 0],
    lifecycleNew: 0,
    lifecycleReturning: 0,
    lifecycleResurrecting: 0,
    lifecycleDormant: 0,
    eventsPrev: 0,
    activeMembersPrev: 0,
    unsubscribedMembers: 0,
    eventsHistogram: createRecord<number>(),
    names: createRecord<CohortNameStats>(),
    amounts: createRecord<AmountStats>(),
    signupMonths: createRecord<SignupMonthStats>(),
  };
}

function stickinessBucket(activeDays: number): number {
  if (activeDays <= 1) return 0;
  if (activeDays <= 3) return 1;
  if (activeDays <= 7) return 2;
  if (activeDays <= 14) return 3;
  return 4;
}

/**
 * Adds one member (mutating `acc`). The caller guarantees each member is added once; `stats` null
 * means no events at all (e.g. the contact vanished before its events were fetched).
 */
export function addMember(acc: CohortAccumulator, member: Member, stats: ContactStats | null): void {
  const current = stats === null ? undefined : stats.months[acc.month];
  const previous = stats === null ? undefined : stats.months[acc.previousMonth];
  const signup = signupSec(member);
  const isNew = signup >= acc.startSec && signup < acc.endSec;
  const activeNow = current !== undefined && current.events > 0;
  const activePrev = previous !== undefined && previous.events > 0;

  acc.members += 1;
  if (isNew) acc.newMembers += 1;
  if (member.unsubscribedFromEmails) acc.unsubscribedMembers += 1;
  // A member who signed up after M is in no retention row; one inside W(M) needs no zone lookup.
  let signupRow: SignupMonthStats | undefined;
  if (signup < acc.endSec) {
    const signupMonth = isNew ? acc.month : monthOfInstant(signup, acc.timeZone);
    signupRow = acc.signupMonths[signupMonth];
    if (signupRow === undefined) {
      signupRow = [0, 0, 0];
      acc.signupMonths[signupMonth] = signupRow;
    }
    signupRow[0] += 1;
  }
  if (activePrev) {
    acc.activeMembersPrev += 1;
    acc.eventsPrev += previous.events;
  }
  if (!activeNow) {
    if (activePrev) acc.lifecycleDormant += 1;
    return;
  }

  acc.activeMembers += 1;
  acc.events += current.events;
  if (signupRow !== undefined) {
    signupRow[1] += 1;
    signupRow[2] += current.events;
  }
  acc.activeDaysTotal += current.activeDays;
  const sticky = stickinessBucket(current.activeDays);
  acc.stickiness[sticky] = acc.stickiness[sticky]! + 1;
  if (isNew) acc.lifecycleNew += 1;
  else if (activePrev) acc.lifecycleReturning += 1;
  else acc.lifecycleResurrecting += 1;
  const bucket = String(current.events);
  acc.eventsHistogram[bucket] = (acc.eventsHistogram[bucket] ?? 0) + 1;

  for (const name of Object.keys(current.names)) {
    const [count, firstSec, lastSec] = getOwn(current.names, name)!;
    const agg = getOwn(acc.names, name);
    if (agg === undefined) {
      setOwn(acc.names, name, [count, 1, firstSec, lastSec]);
    } else {
      agg[0] += count;
      agg[1] += 1;
      if (firstSec < agg[2]) agg[2] = firstSec;
      if (lastSec > agg[3]) agg[3] = lastSec;
    }
  }
  for (const key of Object.keys(current.amounts)) {
    const [amountMinor, events] = current.amounts[key]!;
    const agg = acc.amounts[key];
    if (agg === undefined) {
      acc.amounts[key] = [amountMinor, events];
    } else {
      agg[0] = addAmounts(agg[0], amountMinor);
      agg[1] += events;
    }
  }
}
