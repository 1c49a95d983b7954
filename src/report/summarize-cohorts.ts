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
import type { ContactStats } from './contact-stats.js';
import type { ReportWindows } from './create-report-windows.js';
import { finishCohort, type CohortRows, type FinishCohortOptions } from './finish-cohort.js';

export interface ListedMember {
  member: Member;
  /** null: no events at all (e.g. the events call answered 404). */
  stats: ContactStats | null;
  /** Indexes into the `cohorts` given to summarizeCohorts, each once. */
  cohorts: readonly number[];
}

export interface CohortMonth extends FinishCohortOptions {
  month: string;
}

export interface SummarizeCohortsOptions {
  /** The run's windows; they must include every month and the month before each. */
  windows: ReportWindows;
  months: readonly CohortMonth[];
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
): Promise<CohortRows[][]> {
  const accs = cohorts.map(() => options.months.map(({ month }) => createCohortAccumulator(options.windows, month)));
  for await (const batch of batches) {
    for (const { member, stats, cohorts: indexes } of batch) {
      for (const index of indexes) {
        const perMonth = accs[index];
        if (perMonth === undefined) throw new RangeError(`summarizeCohorts: cohort index ${index} is not one of the ${cohorts.length} cohorts`);
        for (const acc of perMonth) addMember(acc, member, stats);
      }
    }
  }
  return cohorts.map((cohort, c) => options.months.map((m, i) => finishCohort(accs[c]![i]!, cohort, m)));
}
