/**
 * The per-cohort reduction for one month, one member at a time. Memory is bounded by the number of
 * distinct event names, amount groups, signup months and distinct per-member event counts — never
 * by the number of events: the median and p90 come from a histogram of events_M(u), not from a
 * sorted array.
 *
 * Plain JSON, and mergeable: two accumulators over disjoint sets of members merge into the one over
 * their union (for splitting a large cohort across workers).
 */
import type { Cohort, Member } from '../intercom/types.js';
import { compareText } from './compare-text.js';
import type { CohortAmountRow, CohortEventRow, CohortRetentionRow, CohortSummaryRow } from './columns.js';
import { addAmounts, parseAmountKey, type AmountStats, type ContactStats } from './contact-stats.js';
import { findWindow, type ReportWindows } from './create-report-windows.js';
import { ReportInputError } from './errors.js';
import { formatAmountMajor } from './format-amount-major.js';
import { formatIsoUtcSeconds } from './format-iso.js';
import { formatRatio } from './format-ratio.js';
import { monthOfInstant } from './month-of-instant.js';
import { monthsBetween, previousMonth } from './months.js';
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
  /** events_M(u) → number of active members with exactly that many events. */
  eventsHistogram: Record<string, number>;
  names: Record<string, CohortNameStats>;
  /** Keyed like ContactMonthStats.amounts: [sum in minor units (number, or decimal string beyond 2^53), events]. */
  amounts: Record<string, AmountStats>;
  /** Keyed by signup month `YYYY-MM` (up to and including M) for cohort_retention.csv. */
  signupMonths: Record<string, SignupMonthStats>;
}

export interface CohortRows {
  summary: CohortSummaryRow;
  /** In file order: events descending, then event name. */
  events: CohortEventRow[];
  /** In file order: event name, metadata key, currency. */
  amounts: CohortAmountRow[];
  /** In file order: signup month ascending. */
  retention: CohortRetentionRow[];
}

export interface FinishCohortOptions {
  /**
   * W(M-1) reaches past the events API's retention: the lifecycle and `_prev` columns are left
   * empty (and the caller adds the manifest warning `previous_month_beyond_retention`).
   */
  previousMonthBeyondRetention?: boolean;
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

/** The accumulator over the union of two disjoint member sets of the same cohort and month. */
export function mergeCohortAccumulators(a: CohortAccumulator, b: CohortAccumulator): CohortAccumulator {
  if (a.month !== b.month || a.startSec !== b.startSec || a.endSec !== b.endSec || a.timeZone !== b.timeZone) {
    throw new ReportInputError(`cannot merge cohort accumulators of ${a.month} and ${b.month}`);
  }
  const out: CohortAccumulator = {
    ...a,
    members: a.members + b.members,
    newMembers: a.newMembers + b.newMembers,
    activeMembers: a.activeMembers + b.activeMembers,
    events: a.events + b.events,
    activeDaysTotal: a.activeDaysTotal + b.activeDaysTotal,
    stickiness: a.stickiness.map((n, i) => n + b.stickiness[i]!) as CohortAccumulator['stickiness'],
    lifecycleNew: a.lifecycleNew + b.lifecycleNew,
    lifecycleReturning: a.lifecycleReturning + b.lifecycleReturning,
    lifecycleResurrecting: a.lifecycleResurrecting + b.lifecycleResurrecting,
    lifecycleDormant: a.lifecycleDormant + b.lifecycleDormant,
    eventsPrev: a.eventsPrev + b.eventsPrev,
    activeMembersPrev: a.activeMembersPrev + b.activeMembersPrev,
    eventsHistogram: createRecord<number>(),
    names: createRecord<CohortNameStats>(),
    amounts: createRecord<AmountStats>(),
    signupMonths: createRecord<SignupMonthStats>(),
  };
  for (const part of [a, b]) {
    for (const month of Object.keys(part.signupMonths)) {
      const [members, active, events] = part.signupMonths[month]!;
      const agg = out.signupMonths[month] ?? [0, 0, 0];
      out.signupMonths[month] = [agg[0] + members, agg[1] + active, agg[2] + events];
    }
    for (const bucket of Object.keys(part.eventsHistogram)) {
      out.eventsHistogram[bucket] = (out.eventsHistogram[bucket] ?? 0) + part.eventsHistogram[bucket]!;
    }
    for (const name of Object.keys(part.names)) {
      const [events, members, firstSec, lastSec] = getOwn(part.names, name)!;
      const agg = getOwn(out.names, name);
      if (agg === undefined) setOwn(out.names, name, [events, members, firstSec, lastSec]);
      else setOwn(out.names, name, [agg[0] + events, agg[1] + members, Math.min(agg[2], firstSec), Math.max(agg[3], lastSec)]);
    }
    for (const key of Object.keys(part.amounts)) {
      const [amountMinor, events] = part.amounts[key]!;
      const agg = out.amounts[key];
      out.amounts[key] = agg === undefined ? [amountMinor, events] : [addAmounts(agg[0], amountMinor), agg[1] + events];
    }
  }
  return out;
}

/** Value at 1-based rank `rank` of the sorted multiset described by `histogram` (ascending values). */
function valueAtRank(sortedValues: number[], histogram: Record<string, number>, rank: number): number {
  let seen = 0;
  for (const value of sortedValues) {
    seen += histogram[String(value)]!;
    if (seen >= rank) return value;
  }
  throw new ReportInputError(`rank ${rank} beyond the histogram's ${seen} values`);
}

/** The four row kinds of one cohort for the accumulator's month. */
export function finishCohort(acc: CohortAccumulator, cohort: Cohort, options: FinishCohortOptions = {}): CohortRows {
  const base = { month: acc.month, cohort_type: cohort.type, cohort_id: cohort.id, cohort_name: cohort.name };
  const n = acc.activeMembers;

  let median: string | null = null;
  let p90: number | null = null;
  if (n > 0) {
    const values = Object.keys(acc.eventsHistogram)
      .map(Number)
      .sort((x, y) => x - y);
    const middle = n % 2 === 1
      ? 2 * valueAtRank(values, acc.eventsHistogram, (n + 1) / 2)
      : valueAtRank(values, acc.eventsHistogram, n / 2) + valueAtRank(values, acc.eventsHistogram, n / 2 + 1);
    median = formatRatio(middle, 2, 2);
    // Nearest rank: ceil(0.9 n), in integers.
    p90 = valueAtRank(values, acc.eventsHistogram, Math.floor((9 * n + 9) / 10));
  }

  const names = Object.keys(acc.names).sort(compareText);
  let topEvent: string | null = null;
  let topEvents = 0;
  for (const name of names) {
    const events = getOwn(acc.names, name)![0];
    if (events > topEvents) {
      topEvent = name;
      topEvents = events;
    }
  }

  const lifecycleKnown = options.previousMonthBeyondRetention !== true;
  const summary: CohortSummaryRow = {
    ...base,
    members: acc.members,
    members_reported: cohort.memberCountReported,
    new_members: acc.newMembers,
    active_members: n,
    active_rate: formatRatio(n, acc.members, 4),
    events: acc.events,
    events_per_active: formatRatio(acc.events, n, 2),
    median_events_per_active: median,
    p90_events_per_active: p90,
    avg_active_days: formatRatio(acc.activeDaysTotal, n, 2),
    distinct_event_names: names.length,
    top_event: topEvent,
    active_days_1: acc.stickiness[0],
    active_days_2_3: acc.stickiness[1],
    active_days_4_7: acc.stickiness[2],
    active_days_8_14: acc.stickiness[3],
    active_days_15_plus: acc.stickiness[4],
    lifecycle_new: lifecycleKnown ? acc.lifecycleNew : null,
    lifecycle_returning: lifecycleKnown ? acc.lifecycleReturning : null,
    lifecycle_resurrecting: lifecycleKnown ? acc.lifecycleResurrecting : null,
    lifecycle_dormant: lifecycleKnown ? acc.lifecycleDormant : null,
    events_prev: lifecycleKnown ? acc.eventsPrev : null,
    active_members_prev: lifecycleKnown ? acc.activeMembersPrev : null,
  };

  const events: CohortEventRow[] = names
    .map((name) => {
      const [count, members, firstSec, lastSec] = getOwn(acc.names, name)!;
      return {
        ...base,
        event_name: name,
        events: count,
        members,
        member_share: formatRatio(members, n, 4),
        first_at: formatIsoUtcSeconds(firstSec),
        last_at: formatIsoUtcSeconds(lastSec),
      };
    })
    .sort((x, y) => y.events - x.events || compareText(x.event_name, y.event_name));

  const amounts: CohortAmountRow[] = Object.keys(acc.amounts)
    .map((key) => {
      const [eventName, metadataKey, currency] = parseAmountKey(key);
      const [amountMinor, count] = acc.amounts[key]!;
      const amount = String(amountMinor);
      return {
        ...base,
        event_name: eventName,
        metadata_key: metadataKey,
        currency,
        amount,
        events: count,
        amount_major: formatAmountMajor(amount, currency),
      };
    })
    .sort(
      (x, y) =>
        compareText(x.event_name, y.event_name) || compareText(x.metadata_key, y.metadata_key) || compareText(x.currency, y.currency),
    );

  const retention: CohortRetentionRow[] = Object.keys(acc.signupMonths)
    .sort(compareText)
    .map((signupMonth) => {
      const [members, active, count] = acc.signupMonths[signupMonth]!;
      return {
        ...base,
        signup_month: signupMonth,
        months_since_signup: monthsBetween(signupMonth, acc.month),
        members,
        active_members: active,
        active_rate: formatRatio(active, members, 4),
        events: count,
      };
    });

  return { summary, events, amounts, retention };
}
