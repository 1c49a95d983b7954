import { readText, type ChartCohort } from './chart-parts.js';
import type { CsvRecord } from './csv-records.js';

/**
 * Cohorts by members, most first; ties keep the file's order (cohort_type, then cohort_id). The
 * first `limit` are the ones charts draw; every cohort keeps its rank, which the table shows too.
 *
 * @example rankCohorts([{ cohort_type: 'tag', cohort_id: '7', cohort_name: 'VIP', members: '40' }], 20, true);
 * // [{ cohort_key: 'tag:7', rank: 1, cohort_label: '1. VIP', record }]
 */
export function rankCohorts(records: readonly CsvRecord[], limit: number, guarded: boolean): Array<ChartCohort & { record: CsvRecord; charted: boolean }> {
  const text = readText(guarded);
  return records
    .map((record, order) => ({ record, order, members: Number(record.members) }))
    .sort((a, b) => b.members - a.members || a.order - b.order)
    .map(({ record }, i) => ({
      cohort_key: `${record.cohort_type}:${text(record.cohort_id)}`,
      rank: i + 1,
      cohort_label: `${i + 1}. ${text(record.cohort_name)}`,
      record,
      charted: i < limit,
    }));
}
