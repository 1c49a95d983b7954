/**
 * The rows of one cohort for one month, from its accumulator: the median and p90 read off the
 * histogram of events per active member, every ratio rounded as METRICS.md prescribes, every list in
 * file order.
 */
import type { Cohort } from '../intercom/types.js';
import type { CohortAccumulator } from './cohort-accumulator.js';
import {
  AMOUNTS_TABLE,
  EVENTS_TABLE,
  RETENTION_TABLE,
  type CohortAmountRow,
  type CohortEventRow,
  type CohortRetentionRow,
  type CohortSummaryRow,
} from './columns.js';
import { compareText } from './compare-text.js';
import { parseAmountKey } from './contact-stats.js';
import { ReportInputError } from './errors.js';
import { formatAmountMajor } from './format-amount-major.js';
import { formatIsoUtcSeconds } from './format-iso.js';
import { formatRatio } from './format-ratio.js';
import { monthsBetween } from './months.js';
import { getOwn } from './own-record.js';

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
    unsubscribed_members: acc.unsubscribedMembers,
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
    .sort(EVENTS_TABLE.compare);

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
    .sort(AMOUNTS_TABLE.compare);

  const retention: CohortRetentionRow[] = Object.keys(acc.signupMonths)
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
    })
    .sort(RETENTION_TABLE.compare);

  return { summary, events, amounts, retention };
}
