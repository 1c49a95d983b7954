import type { Cohort, Member } from '../intercom/types.js';
import type { ContactStats } from './contact-stats.js';
import type { ReportWindows } from './create-report-windows.js';
import type { CohortRows, FinishCohortOptions } from './finish-cohort.js';
import { summarizeCohorts, type ListedMember } from './summarize-cohorts.js';

export interface CohortMember {
  member: Member;
  /** null: no events at all (e.g. the events call answered 404). */
  stats: ContactStats | null;
}

export interface CohortMonth extends FinishCohortOptions {
  month: string;
}

export interface SummarizeCohortOptions {
  /** The run's windows; they must include every month and the month before each. */
  windows: ReportWindows;
  months: readonly CohortMonth[];
}

/**
 * One cohort's rows for each of `months`, in one pass over its members, which come in batches (as a
 * store pages them). A member id seen again (the API repeating a contact across pages) is skipped, so
 * the only memory that grows is that id set — with members, never with events. `members_reported` is
 * `cohort.memberCountReported`: for a tag, the caller puts the search's `total_count` there.
 * summarizeCohorts (./summarize-cohorts.ts) is the same maths for many cohorts in one pass, for a
 * caller that already has each contact once.
 *
 * @example
 * const [october] = await summarizeCohort(cohort, [membersWithStats], { windows, months: [{ month: '2026-10' }] });
 * october.summary.active_rate; // "0.4210"
 */
export async function summarizeCohort(
  cohort: Cohort,
  batches: Iterable<readonly CohortMember[]> | AsyncIterable<readonly CohortMember[]>,
  options: SummarizeCohortOptions,
): Promise<CohortRows[]> {
  const seen = new Set<string>();
  async function* once(): AsyncGenerator<ListedMember[]> {
    for await (const batch of batches) {
      const out: ListedMember[] = [];
      for (const { member, stats } of batch) {
        if (seen.has(member.id)) continue;
        seen.add(member.id);
        out.push({ member, stats, cohorts: ONLY_COHORT });
      }
      yield out;
    }
  }
  const [rows] = await summarizeCohorts([cohort], once(), options);
  return rows!;
}

const ONLY_COHORT = [0] as const;
