/**
 * Every cohort's rows for each of the run's months, in ONE pass over the listed contacts: each
 * contact comes once with the cohorts that list it, and its stats feed the accumulators of each of
 * those cohorts (one per month). Nothing per contact is kept — memory is the accumulators only
 * (cohorts × months, each bounded as cohort-accumulator.ts says) — so a million-contact run
 * summarises in the memory of a thousand-contact one, and a store that keeps contacts apart from
 * cohorts (Redis buckets) is read once, not once per cohort.
 *
 * The caller guarantees every contact once, and each of its cohort indexes once: a contact the API
 * repeats across pages must be dropped before it gets here.
 */
import type { Cohort, Member } from '../intercom/types.js';
import { addMember, createCohortAccumulator } from './cohort-accumulator.js';
import type { CohortConversationRow } from './columns.js';
import type { ContactConversations } from './contact-conversations.js';
import type { ContactStats } from './contact-stats.js';
import { addConversationMember, createConversationAccumulator, finishConversations } from './conversation-accumulator.js';
import type { ReportWindows } from './create-report-windows.js';
import { finishCohort, type CohortRows, type FinishCohortOptions } from './finish-cohort.js';

export interface ListedMember {
  member: Member;
  /** null: no events at all (e.g. the events call answered 404). */
  stats: ContactStats | null;
  /** Indexes into the `cohorts` given to summarizeCohorts, each once. */
  cohorts: readonly number[];
  /** The conversations the contact opened in the reported months; null or absent: none. */
  conversations?: ContactConversations | null;
}

export interface CohortMonth extends FinishCohortOptions {
  month: string;
}

export interface SummarizeCohortsOptions {
  /** The run's windows; they must include every month and the month before each. */
  windows: ReportWindows;
  months: readonly CohortMonth[];
  /** Also the rows of cohort_conversations.csv (report.conversations). */
  conversations?: boolean;
}

/** One cohort's rows for one month: cohort_conversations.csv's too when asked for. */
export interface CohortMonthRows extends CohortRows {
  conversations?: CohortConversationRow;
}

/**
 * @returns per cohort (in the order given), its rows for each of `options.months`.
 * @example
 * const [[paying], [trial]] = await summarizeCohorts([paying, trial], batches, { windows, months: [{ month: '2026-10' }] });
 */
export async function summarizeCohorts(
  cohorts: readonly Cohort[],
  batches: Iterable<readonly ListedMember[]> | AsyncIterable<readonly ListedMember[]>,
  options: SummarizeCohortsOptions,
): Promise<CohortMonthRows[][]> {
  const accs = cohorts.map(() => options.months.map(({ month }) => createCohortAccumulator(options.windows, month)));
  const conversationAccs = options.conversations === true ? cohorts.map(() => options.months.map(({ month }) => createConversationAccumulator(month))) : null;
  for await (const batch of batches) {
    for (const { member, stats, cohorts: indexes, conversations } of batch) {
      for (const index of indexes) {
        const perMonth = accs[index];
        if (perMonth === undefined) throw new RangeError(`summarizeCohorts: cohort index ${index} is not one of the ${cohorts.length} cohorts`);
        for (const acc of perMonth) addMember(acc, member, stats);
        if (conversationAccs !== null) for (const acc of conversationAccs[index]!) addConversationMember(acc, conversations ?? null);
      }
    }
  }
  return cohorts.map((cohort, c) =>
    options.months.map((m, i) => {
      const rows: CohortMonthRows = finishCohort(accs[c]![i]!, cohort, m);
      if (conversationAccs !== null) rows.conversations = finishConversations(conversationAccs[c]![i]!, cohort);
      return rows;
    }),
  );
}
