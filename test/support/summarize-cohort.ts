/**
 * The reference for one cohort: summarizeCohorts (src/report/summarize-cohorts.ts) fed one cohort's
 * members, batch by batch as a store pages them, with a member id seen again (the API repeating a
 * contact across pages) skipped — what summarizeCohorts leaves to its caller. The tests compare
 * production's many-cohort pass with this, cohort by cohort.
 */
import type { Cohort, Member } from '../../src/intercom/types.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import type { CohortRows } from '../../src/report/finish-cohort.js';
import { summarizeCohorts, type ListedMember, type SummarizeCohortsOptions } from '../../src/report/summarize-cohorts.js';

export interface CohortMember {
  member: Member;
  /** null: no events at all (e.g. the events call answered 404). */
  stats: ContactStats | null;
}

const ONLY_COHORT = [0] as const;

/**
 * One cohort's rows for each of `options.months`, in one pass over its members. `members_reported`
 * is `cohort.memberCountReported`: for a tag, the caller puts the search's `total_count` there.
 *
 * @example
 * const [october] = await summarizeCohort(cohort, [membersWithStats], { windows, months: [{ month: '2026-10' }] });
 * october.summary.active_rate; // "0.4210"
 */
export async function summarizeCohort(
  cohort: Cohort,
  batches: Iterable<readonly CohortMember[]> | AsyncIterable<readonly CohortMember[]>,
  options: SummarizeCohortsOptions,
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
