import type { Cohort } from '../intercom/types.js';
import type { CohortAmountRow, CohortEventRow, CohortRetentionRow, CohortSummaryRow } from '../report/columns.js';
import { sortCohorts } from '../report/sort-cohorts.js';
import type { ContactStats } from '../report/contact-stats.js';
import { summarizeCohort, type CohortMember } from '../report/summarize-cohort.js';
import { RunNotCollectedError } from './errors.js';
import type { RunPlan } from './plan-run.js';
import { cohortKeyOf, type MemberWithResult, type RunStore } from './run-store.js';

export interface MonthRows {
  month: string;
  summary: CohortSummaryRow[];
  events: CohortEventRow[];
  amounts: CohortAmountRow[];
  retention: CohortRetentionRow[];
}

export interface RunSummary {
  months: MonthRows[];
  cohorts: number;
  /** Members summed over cohorts (a contact in two cohorts counts twice). */
  members: number;
  uniqueContacts: number;
  /** Events the API returned, over every contact. */
  eventsFetched: number;
  /** Members whose events call answered 404 (deleted or merged since they were listed). */
  membersMissing: number;
}

/**
 * Turns the collected store into every month's rows: one pass over each cohort's members feeds the
 * accumulators of all the run's months at once, so a backfill reads the store once per cohort (and
 * each contact's events, fetched once, feed every month's cohort_retention rows).
 */
export async function summarizeRun(store: RunStore<ContactStats>, plan: RunPlan): Promise<RunSummary> {
  const cohorts = await store.loadCohorts();
  if (cohorts === null) throw new RunNotCollectedError('summarizeRun: the run has no cohorts recorded');
  const months: MonthRows[] = plan.months.map((m) => ({ month: m.month, summary: [], events: [], amounts: [], retention: [] }));
  const cohortMonths = plan.months.map((m) => ({ month: m.month, previousMonthBeyondRetention: m.previousBeyondRetention }));
  let members = 0;
  const missing = new Set<string>();
  const counted = new Set<string>();
  let eventsFetched = 0;

  /** The store's member batches as the maths takes them, counting each contact's events once over the run. */
  async function* membersWithStats(batches: AsyncIterable<ReadonlyArray<MemberWithResult<ContactStats>>>): AsyncGenerator<CohortMember[]> {
    for await (const batch of batches) {
      yield batch.map(({ member, result }) => {
        if (result === null) throw new RunNotCollectedError(`summarizeRun: contact ${member.id} has no events recorded`);
        if (result.kind === 'missing') missing.add(member.id);
        if (!counted.has(member.id)) {
          counted.add(member.id);
          if (result.kind === 'ok') eventsFetched += result.eventsFetched;
        }
        return { member, stats: result.kind === 'ok' ? result.stats : null };
      });
    }
  }

  for (const listed of sortCohorts(cohorts)) {
    const key = cohortKeyOf(listed);
    const progress = await store.cohortProgress(key);
    if (!progress.done) throw new RunNotCollectedError(`summarizeRun: cohort ${key} has not been paged to the end`);
    // members_reported: a segment's count from GET /segments; for a tag, the search's total_count.
    const cohort: Cohort = listed.memberCountReported === null ? { ...listed, memberCountReported: progress.totalCount } : listed;
    const rows = await summarizeCohort(cohort, membersWithStats(store.cohortMembers(key)), { windows: plan.windows, months: cohortMonths });
    members += rows[0]?.summary.members ?? 0;
    rows.forEach((r, i) => {
      const out = months[i]!;
      out.summary.push(r.summary);
      out.events.push(...r.events);
      out.amounts.push(...r.amounts);
      out.retention.push(...r.retention);
    });
  }
  return { months, cohorts: cohorts.length, members, uniqueContacts: counted.size, eventsFetched, membersMissing: missing.size };
}
