/**
 * Rebuilds OUT/retention.csv (and retention.parquet when asked for) beside trends.csv: the rows of
 * the cohort_retention.csv of every complete month it is handed, each file checked against its manifest's
 * SHA-256 first, ordered by cohort_type, cohort_id, signup_month, then month (METRICS.md). A month
 * folder written before cohort_retention.csv existed has none to give; it is named in the result.
 */
import { RETENTION_COLUMNS, RETENTION_FILE, RETENTION_HISTORY_FILE, RETENTION_HISTORY_TABLE, RETENTION_TABLE, type CohortRetentionRow } from '../report/columns.js';
import { ReportIntegrityError } from '../report/errors.js';
import type { TableFile } from '../report/manifest.js';
import { isMonth } from '../report/months.js';
import type { MonthReport } from './read-month-reports.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { countCell, readReportTable } from './read-report-table.js';
import type { TableWriteOptions } from './report-formats.js';
import { writeRootTable } from './write-root-table.js';

export interface RetentionHistoryResult {
  path: string;
  /** The months whose rows it holds, ascending. */
  months: string[];
  /** Complete month folders without a cohort_retention.csv (written by an older version). */
  monthsWithout: string[];
  /** retention.csv, then retention.parquet when written. */
  files: TableFile[];
}

/**
 * @example
 * await writeRetentionHistory(out, months, { formats: ['csv'], formulaGuard: true }); // OUT/retention.csv
 */
export async function writeRetentionHistory(out: ReportOutput, reports: readonly MonthReport[], output: TableWriteOptions): Promise<RetentionHistoryResult> {
  const rows: CohortRetentionRow[] = [];
  const months: string[] = [];
  const monthsWithout: string[] = [];
  for (const report of reports) {
    if (!report.manifest.files.some((f) => f.name === RETENTION_FILE)) {
      monthsWithout.push(report.month);
      continue;
    }
    months.push(report.month);
    const table = await readReportTable(report, RETENTION_TABLE, RETENTION_COLUMNS);
    table.records.forEach((record, i) => {
      if (!isMonth(record.signup_month!)) throw new ReportIntegrityError(table.path, `${table.path} row ${i + 1}: signup_month is not YYYY-MM`);
      rows.push({
        month: report.month,
        cohort_type: record.cohort_type!,
        cohort_id: record.cohort_id!,
        cohort_name: record.cohort_name!,
        signup_month: record.signup_month!,
        months_since_signup: countCell(table, record, 'months_since_signup', i),
        members: countCell(table, record, 'members', i),
        active_members: countCell(table, record, 'active_members', i),
        // Copied as written: the same rounding of the same integers.
        active_rate: record.active_rate === '' ? null : record.active_rate!,
        events: countCell(table, record, 'events', i),
      });
    });
  }
  rows.sort(RETENTION_HISTORY_TABLE.compare);
  const files = await writeRootTable(out, RETENTION_HISTORY_TABLE, rows, output);
  return { path: out.describe(RETENTION_HISTORY_FILE), months, monthsWithout, files };
}
