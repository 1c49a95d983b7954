import type { Cohort, Member } from '../intercom/types.js';
import {
  addMember,
  createCohortAccumulator,
  finishCohort,
  type CohortRows,
  type FinishCohortOptions,
} from './cohort-accumulator.js';
import type { ContactStats } from './contact-stats.js';
import type { ReportWindows } from './create-report-windows.js';

export interface CohortMember {
  member: Member;
  /** null: no events at all (e.g. the events call answered 404). */
  stats: ContactStats | null;
}

export interface SummarizeCohortOptions extends FinishCohortOptions {
  /** The run's windows; they must include `month` and the month before it. */
  windows: ReportWindows;
  month: string;
}

/**
 * One cohort's rows for one month, in one pass over its members. A member id seen again (the API
 * repeating a contact across pages) is skipped, so the only memory that grows is that id set — with
 * members, never with events. `members_reported` is `cohort.memberCountReported`: for a tag, the
 * caller puts the search's `total_count` there.
 *
 * @example
 * const rows = await summarizeCohort(cohort, membersWithStats, { windows, month: '2026-10' });
 * rows.summary.active_rate; // "0.4210"
 */
export async function summarizeCohort(
  cohort: Cohort,
  members: Iterable<CohortMember> | AsyncIterable<CohortMember>,
  options: SummarizeCohortOptions,
): Promise<CohortRows> {
  const acc = createCohortAccumulator(options.windows, options.month);
  const seen = new Set<string>();
  const add = ({ member, stats }: CohortMember): void => {
    if (seen.has(member.id)) return;
    seen.add(member.id);
    addMember(acc, member, stats);
  };
  // A sync iterable is walked without `for await`, which would cost a microtask per member.
  if (Symbol.asyncIterator in members) {
    for await (const entry of members) add(entry);
  } else {
    for (const entry of members) add(entry);
  }
  return finishCohort(acc, cohort, options);
}
