/**
 * Rebuilds DIR/trends.csv from every complete month folder (one with a manifest), atomically: the
 * new file is written and fsynced under a hidden temporary name, then renamed over the old one.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SUMMARY_FILE, TRENDS_COLUMNS, TRENDS_FILE, type TrendRow } from './columns.js';
import { compareText } from './compare-text.js';
import { ReportIntegrityError } from './errors.js';
import { unguardFormula } from './guard-formula.js';
import { parseCsv } from './parse-csv.js';
import { listMonthReports, readReportFile } from './read-month-reports.js';
import { removeLeftovers, renameIntoPlace, temporarySibling } from './rename-into-place.js';
import { summarizeTrends, type TrendInput } from './summarize-trends.js';
import { writeCsv, type CsvFileStats } from './write-csv.js';

export interface TrendsResult extends CsvFileStats {
  path: string;
  /** The months read, ascending. */
  months: string[];
}

const NEEDED = ['month', 'cohort_type', 'cohort_id', 'cohort_name', 'members', 'active_members', 'events'] as const;

function readSummary(path: string, month: string, text: string): TrendInput[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new ReportIntegrityError(path, `${path} has no header`);
  const index = Object.fromEntries(NEEDED.map((column) => [column, header.indexOf(column)])) as Record<(typeof NEEDED)[number], number>;
  const missing = NEEDED.filter((column) => index[column] < 0);
  if (missing.length > 0) throw new ReportIntegrityError(path, `${path} lacks the columns ${missing.join(', ')}`);
  return records.map((record, i) => {
    const cell = (column: (typeof NEEDED)[number]): string => record[index[column]] ?? '';
    const count = (column: 'members' | 'active_members' | 'events'): number => {
      const value = Number(cell(column));
      if (!/^\d+$/.test(cell(column)) || !Number.isSafeInteger(value)) {
        throw new ReportIntegrityError(path, `${path} row ${i + 1}: ${column} is not a count`);
      }
      return value;
    };
    if (cell('month') !== month) throw new ReportIntegrityError(path, `${path} row ${i + 1} is of month ${cell('month')}`);
    return {
      month,
      cohort_type: cell('cohort_type'),
      cohort_id: unguardFormula(cell('cohort_id')),
      cohort_name: unguardFormula(cell('cohort_name')),
      members: count('members'),
      active_members: count('active_members'),
      events: count('events'),
    };
  });
}

/**
 * @example
 * const { months, rows } = await writeTrends('reports'); // reports/trends.csv
 */
export async function writeTrends(outDir: string): Promise<TrendsResult> {
  const reports = await listMonthReports(outDir);
  const inputs: TrendInput[] = [];
  for (const report of reports) {
    const text = await readReportFile(report, SUMMARY_FILE);
    inputs.push(...readSummary(join(report.dir, SUMMARY_FILE), report.month, text));
  }
  const rows = summarizeTrends(inputs);

  await mkdir(outDir, { recursive: true });
  const target = join(outDir, TRENDS_FILE);
  await removeLeftovers(target);
  const tmp = temporarySibling(target, 'tmp');
  try {
    const stats = await writeCsv<TrendRow>(tmp, {
      columns: TRENDS_COLUMNS,
      rows,
      compare: (a, b) =>
        compareText(a.cohort_type, b.cohort_type) || compareText(a.cohort_id, b.cohort_id) || compareText(a.month, b.month),
    });
    await renameIntoPlace(tmp, target);
    return { path: target, months: reports.map((r) => r.month), ...stats };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
