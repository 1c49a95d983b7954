import type { Cohort } from '../intercom/types.js';
import { addMember, createCohortAccumulator, finishCohort, type CohortAccumulator } from '../report/cohort-accumulator.js';
import type { CohortAmountRow, CohortEventRow, CohortRetentionRow, CohortSummaryRow } from '../report/columns.js';
import { sortCohorts } from '../report/compare-text.js';
import type { ContactStats } from '../report/contact-stats.js';
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
 * Turns the collected store into every month's rows in one pass over the run's contacts: each contact,
 * read once, feeds the accumulators of every cohort that lists it and every month of the run (so a
 * backfill reads the store once, and each contact's events, fetched once, feed every month's
 * cohort_retention rows). Nothing per contact is kept: memory is the accumulators', whatever the
 * number of contacts.
 */
export async function summarizeRun(store: RunStore<ContactStats>, plan: RunPlan): Promise<RunSummary> {
  const cohorts = await store.loadCohorts();
  if (cohorts === null) throw new Error('summarizeRun: the run has no cohorts recorded; collect it first');
  const months: MonthRows[] = plan.months.map((m) => ({ month: m.month, summary: [], events: [], amounts: [], retention: [] }));
  const sorted = sortCohorts(cohorts);
  const accsByCohort = new Map<string, CohortAccumulator[]>();
  for (const listed of sorted) {
    const key = cohortKeyOf(listed);
    const progress = await store.cohortProgress(key);
    if (!progress.done) throw new Error(`summarizeRun: cohort ${key} has not been paged to the end`);
    accsByCohort.set(key, plan.months.map((m) => createCohortAccumulator(plan.windows, m.month)));
  }
  let members = 0;
  let uniqueContacts = 0;
  let membersMissing = 0;
  let eventsFetched = 0;

  for await (const batch of store.listedContacts()) {
    for (const { member, cohortKeys, result } of batch) {
      // Only the run's cohorts are reported (every cohort paged is one of them).
      const listing = cohortKeys.filter((key) => accsByCohort.has(key));
      if (listing.length === 0) continue;
      if (result === null) throw new Error(`summarizeRun: contact ${member.id} has no events recorded; collect it first`);
      const stats = result.kind === 'ok' ? result.stats : null;
      for (const key of listing) for (const acc of accsByCohort.get(key)!) addMember(acc, member, stats);
      members += listing.length;
      uniqueContacts += 1;
      if (result.kind === 'missing') membersMissing += 1;
      else eventsFetched += result.eventsFetched;
    }
  }

  for (const listed of sorted) {
    const key = cohortKeyOf(listed);
    // members_reported: a segment's count from GET /segments; for a tag, the search's total_count.
    const cohort: Cohort = listed.memberCountReported === null ? { ...listed, memberCountReported: (await store.cohortProgress(key)).totalCount } : listed;
    const accs = accsByCohort.get(key)!;
    plan.months.forEach((m, i) => {
      const rows = finishCohort(accs[i]!, cohort, { previousMonthBeyondRetention: m.previousBeyondRetention });
      const out = months[i]!;
      out.summary.push(rows.summary);
      out.events.push(...rows.events);
      out.amounts.push(...rows.amounts);
      out.retention.push(...rows.retention);
    });
  }
  return { months, cohorts: cohorts.length, members, uniqueContacts, eventsFetched, membersMissing };
}
