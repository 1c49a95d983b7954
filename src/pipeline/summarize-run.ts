import type { Cohort } from '../intercom/types.js';
import { addMember, createCohortAccumulator, finishCohort } from '../report/cohort-accumulator.js';
import type { CohortAmountRow, CohortEventRow, CohortRetentionRow, CohortSummaryRow } from '../report/columns.js';
import { sortCohorts } from '../report/sort-cohorts.js';
import type { ContactStats } from '../report/contact-stats.js';
import { RunNotCollectedError } from './errors.js';
import type { RunPlan } from './plan-run.js';
import { cohortKeyOf, type RunStore } from './run-store.js';

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
  let members = 0;
  const missing = new Set<string>();
  const counted = new Set<string>();
  let eventsFetched = 0;

  for (const listed of sortCohorts(cohorts)) {
    const key = cohortKeyOf(listed);
    const progress = await store.cohortProgress(key);
    if (!progress.done) throw new RunNotCollectedError(`summarizeRun: cohort ${key} has not been paged to the end`);
    // members_reported: a segment's count from GET /segments; for a tag, the search's total_count.
    const cohort: Cohort = listed.memberCountReported === null ? { ...listed, memberCountReported: progress.totalCount } : listed;
    const accs = plan.months.map((m) => createCohortAccumulator(plan.windows, m.month));
    const seen = new Set<string>();
    for await (const batch of store.cohortMembers(key)) {
      for (const { member, result } of batch) {
        if (seen.has(member.id)) continue;
        seen.add(member.id);
        if (result === null) throw new RunNotCollectedError(`summarizeRun: contact ${member.id} has no events recorded`);
        const stats = result.kind === 'ok' ? result.stats : null;
        if (result.kind === 'missing') missing.add(member.id);
        if (!counted.has(member.id)) {
          counted.add(member.id);
          if (result.kind === 'ok') eventsFetched += result.eventsFetched;
        }
        for (const acc of accs) addMember(acc, member, stats);
      }
    }
    members += seen.size;
    plan.months.forEach((m, i) => {
      const rows = finishCohort(accs[i]!, cohort, { previousMonthBeyondRetention: m.previousBeyondRetention });
      const out = months[i]!;
      out.summary.push(rows.summary);
      out.events.push(...rows.events);
      out.amounts.push(...rows.amounts);
      out.retention.push(...rows.retention);
    });
  }
  return { months, cohorts: cohorts.length, members, uniqueContacts: counted.size, eventsFetched, membersMissing: missing.size };
}
