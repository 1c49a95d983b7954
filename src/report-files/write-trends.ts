/**
 * Rebuilds OUT/trends.csv (and trends.parquet when asked for) from the complete months it is handed
 * (listMonthReports), each summary checked against its manifest's SHA-256 first; atomically, see
 * writeRootTable.
 */
import { readReportTable, countCell } from './read-report-table.js';
import { DEFAULT_TABLE_WRITE_OPTIONS, type TableWriteOptions } from './report-formats.js';
import { writeRootTable } from './write-root-table.js';
import { SUMMARY_TABLE, TRENDS_FILE, TRENDS_TABLE } from '../report/columns.js';
import type { TableFile } from '../report/manifest.js';
import type { MonthReport } from './read-month-reports.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { summarizeTrends, type TrendInput } from '../report/summarize-trends.js';
import type { CsvFileStats } from './write-csv.js';

export interface TrendsResult extends CsvFileStats {
  path: string;
  /** The months read, ascending. */
  months: string[];
  /** trends.csv, then trends.parquet when written. */
  files: TableFile[];
}

const NEEDED = ['month', 'cohort_type', 'cohort_id', 'cohort_name', 'members', 'active_members', 'events'] as const;

/**
 * @example
 * const out = openDiskOutput('reports');
 * const { months, rows } = await writeTrends(out, await listMonthReports(out)); // reports/trends.csv
 */
export async function writeTrends(out: ReportOutput, reports: readonly MonthReport[], output: TableWriteOptions = DEFAULT_TABLE_WRITE_OPTIONS): Promise<TrendsResult> {
  const inputs: TrendInput[] = [];
  for (const report of reports) {
    const table = await readReportTable(report, SUMMARY_TABLE, NEEDED);
    table.records.forEach((record, i) => {
      inputs.push({
        month: report.month,
        cohort_type: record.cohort_type!,
        cohort_id: record.cohort_id!,
        cohort_name: record.cohort_name!,
        members: countCell(table, record, 'members', i),
        active_members: countCell(table, record, 'active_members', i),
        events: countCell(table, record, 'events', i),
      });
    });
  }
  const files = await writeRootTable(out, TRENDS_TABLE, summarizeTrends(inputs), output);
  const { rows, bytes, sha256 } = files[0]!;
  return { path: out.describe(TRENDS_FILE), months: reports.map((r) => r.month), files, rows, bytes, sha256 };
}
