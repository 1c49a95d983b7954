/** Writes month reports from raw data through the real src/report path (compute, then writeMonthReport). */
import { monthWindow } from '../../src/report/index.js';
import { writeMonthReport, type MonthReportResult } from '../../src/report-files/write-month-report.js';
import { DEFAULT_TABLE_WRITE_OPTIONS, type TableWriteOptions } from '../../src/report-files/report-formats.js';
import { listMonthReports } from '../../src/report-files/read-month-reports.js';
import { writeDataPackage, type DataPackageInput } from '../../src/report-files/write-data-package.js';
import { writeRetentionHistory } from '../../src/report-files/write-retention-history.js';
import { writeTrends } from '../../src/report-files/write-trends.js';
import { writeIndexPage, type IndexPageOptions } from '../../src/report-html/write-index-page.js';
import { openDiskOutput } from '../../src/report-output/disk-output.js';
import { computeMonths, type MonthRows } from './report-drive.js';
import type { RawData } from './report-reference.js';

async function* streamed<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

export async function writeMonthsFromRaw(
  outDir: string,
  data: RawData,
  months: string[],
  timeZone: string,
  options: { generatedAt?: string; stream?: boolean; output?: TableWriteOptions } = {},
): Promise<Map<string, { rows: MonthRows; result: MonthReportResult }>> {
  const computed = await computeMonths(data, months, timeZone);
  const out = new Map<string, { rows: MonthRows; result: MonthReportResult }>();
  for (const [month, rows] of computed) {
    const members = rows.summary.reduce((s, r) => s + r.members, 0);
    const result = await writeMonthReport({
      target: openDiskOutput(outDir),
      month,
      timeZone,
      window: monthWindow(month, timeZone),
      generatedAt: options.generatedAt ?? '2026-12-10T03:00:00Z',
      source: { baseUrl: 'http://127.0.0.1:9/', apiVersion: '2.14' },
      totals: {
        cohorts: rows.summary.length,
        members,
        uniqueContacts: data.contacts.size,
        eventsFetched: [...data.events.values()].reduce((s, l) => s + l.length, 0),
        apiCalls: 1,
        responses429: 0,
        retries: 0,
      },
      warnings: [{ name: 'members_missing', count: 0 }],
      rows: options.stream
        ? { summary: streamed(rows.summary), events: streamed(rows.events), amounts: streamed(rows.amounts), retention: streamed(rows.retention) }
        : rows,
      ...(options.output ? { output: options.output } : {}),
    });
    out.set(month, { rows, result });
  }
  return out;
}

/** The rebuilds over a folder, each reading its complete months as writeRunReports hands them over. */
export async function writeTrendsIn(dir: string, output: TableWriteOptions = DEFAULT_TABLE_WRITE_OPTIONS) {
  const out = openDiskOutput(dir);
  return writeTrends(out, await listMonthReports(out), output);
}

export async function writeRetentionIn(dir: string, output: TableWriteOptions) {
  const out = openDiskOutput(dir);
  return writeRetentionHistory(out, await listMonthReports(out), output);
}

export async function writeDataPackageIn(dir: string, input: DataPackageInput) {
  const out = openDiskOutput(dir);
  return writeDataPackage(out, await listMonthReports(out), input);
}

export async function writeIndexIn(dir: string, options: IndexPageOptions = {}) {
  const out = openDiskOutput(dir);
  return writeIndexPage(out, await listMonthReports(out), options);
}
