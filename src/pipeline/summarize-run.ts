import type { Cohort } from '../intercom/types.js';
import type { CohortAmountRow, CohortConversationRow, CohortEventRow, CohortRetentionRow, CohortSummaryRow } from '../report/columns.js';
import { sortCohorts } from '../report/sort-cohorts.js';
import { summarizeCohorts, type ListedMember } from '../report/summarize-cohorts.js';
import { RunNotCollectedError } from './errors.js';
import type { RunPlan } from './plan-run.js';
import { cohortKeyOf, type RunStore } from './run-store.js';

export interface MonthRows {
  month: string;
  summary: CohortSummaryRow[];
  events: CohortEventRow[];
  amounts: CohortAmountRow[];
  retention: CohortRetentionRow[];
  /** null when the run lists no conversations (report.conversations false). */
  conversations: CohortConversationRow[] | null;
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
 * Turns the collected store into every month's rows in one pass over the listed contacts: each
 * contact, read once with the cohorts that list it, feeds the accumulators of those cohorts for all
 * the run's months at once (so a backfill reads the store once, and each contact's events, fetched
 * once, feed every month's rows). Nothing per contact is held: the run's totals are summed on the way.
 */
export async function summarizeRun(store: RunStore, plan: RunPlan, options: { conversations: boolean }): Promise<RunSummary> {
  const stored = await store.loadCohorts();
  if (stored === null) throw new RunNotCollectedError('summarizeRun: the run has no cohorts recorded');
  if (options.conversations) {
    for (const { month } of plan.months) {
      if (!(await store.conversationProgress(month)).done) throw new RunNotCollectedError(`summarizeRun: the conversations of ${month} have not been listed to the end`);
    }
  }
  const cohorts: Cohort[] = [];
  for (const listed of sortCohorts(stored)) {
    const key = cohortKeyOf(listed);
    const progress = await store.cohortProgress(key);
    if (!progress.done) throw new RunNotCollectedError(`summarizeRun: cohort ${key} has not been paged to the end`);
    // members_reported: a segment's count from GET /segments; for a tag, the search's total_count.
    cohorts.push(listed.memberCountReported === null ? { ...listed, memberCountReported: progress.totalCount } : listed);
  }
  const indexOf = new Map(cohorts.map((c, i) => [cohortKeyOf(c), i]));
  let uniqueContacts = 0;
  let membersMissing = 0;
  let eventsFetched = 0;

  async function* listedMembers(): AsyncGenerator<ListedMember[]> {
    for await (const batch of store.listedContacts()) {
      yield batch.map((listed) => {
        const { member, result, cohortKeys } = listed;
        if (result === null) throw new RunNotCollectedError(`summarizeRun: contact ${member.id} has no events recorded`);
        uniqueContacts += 1;
        if (result.kind === 'missing') membersMissing += 1;
        else eventsFetched += result.eventsFetched;
        const indexes = cohortKeys.map((key) => {
          const index = indexOf.get(key);
          if (index === undefined) throw new RunNotCollectedError(`summarizeRun: contact ${member.id} is listed in ${key}, which is not one of the run's cohorts`);
          return index;
        });
        return { member, stats: result.kind === 'ok' ? result.stats : null, cohorts: indexes, conversations: listed.conversations };
      });
    }
  }

  const cohortMonths = plan.months.map((m) => ({ month: m.month, previousMonthBeyondRetention: m.previousBeyondRetention }));
  const rows = await summarizeCohorts(cohorts, listedMembers(), { windows: plan.windows, months: cohortMonths, conversations: options.conversations });
  const months: MonthRows[] = plan.months.map((m, i) => ({
    month: m.month,
    summary: rows.map((perMonth) => perMonth[i]!.summary),
    events: rows.flatMap((perMonth) => perMonth[i]!.events),
    amounts: rows.flatMap((perMonth) => perMonth[i]!.amounts),
    retention: rows.flatMap((perMonth) => perMonth[i]!.retention),
    conversations: options.conversations ? rows.map((perMonth) => perMonth[i]!.conversations!) : null,
  }));
  const members = rows.reduce((sum, perMonth) => sum + (perMonth[0]?.summary.members ?? 0), 0);
  return { months, cohorts: cohorts.length, members, uniqueContacts, eventsFetched, membersMissing };
}
