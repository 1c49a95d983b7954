/**
 * One table of a complete month folder, read back for a rebuild (trends, retention): its bytes are
 * checked against the manifest first, and the formula guard is taken off workspace text when the
 * manifest says it was applied (manifests older than the setting always applied it).
 */
import { ReportIntegrityError } from '../report/errors.js';
import { unguardFormula } from '../report/guard-formula.js';
import type { TableSpec } from '../report/table-spec.js';
import { parseCsv } from './parse-csv.js';
import { readReportFile, type MonthReport } from './read-month-reports.js';

export interface ReportTableOnDisk {
  path: string;
  /** Data rows as column → cell text ('' for an empty cell), the guard removed. */
  records: Array<Record<string, string>>;
}

/**
 * @example
 * const { records } = await readReportTable(report, SUMMARY_TABLE, ['month', 'members']);
 */
export async function readReportTable<Row>(
  report: MonthReport,
  table: TableSpec<Row>,
  needed: ReadonlyArray<keyof Row & string>,
): Promise<ReportTableOnDisk> {
  const path = report.output.describe(`${report.month}/${table.file}`);
  const [header, ...rows] = parseCsv(await readReportFile(report, table.file));
  if (!header) throw new ReportIntegrityError(path, `${path} has no header`);
  const missing = needed.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new ReportIntegrityError(path, `${path} lacks the columns ${missing.join(', ')}`);
  const guarded = report.manifest.formula_guard !== false;
  const records = rows.map((row, i) => {
    if (row.length !== header.length) throw new ReportIntegrityError(path, `${path} row ${i + 1} has ${row.length} cells, not ${header.length}`);
    const record: Record<string, string> = Object.create(null) as Record<string, string>;
    header.forEach((column, c) => {
      const cell = row[c]!;
      record[column] = guarded && table.workspaceText.has(column) ? unguardFormula(cell) : cell;
    });
    if (record.month !== report.month) throw new ReportIntegrityError(path, `${path} row ${i + 1} is of month ${record.month}`);
    return record;
  });
  return { path, records };
}

/** A cell that must hold a count (a whole number >= 0). */
export function countCell(table: ReportTableOnDisk, record: Record<string, string>, column: string, row: number): number {
  const cell = record[column] ?? '';
  const value = Number(cell);
  if (!/^\d+$/.test(cell) || !Number.isSafeInteger(value)) {
    throw new ReportIntegrityError(table.path, `${table.path} row ${row + 1}: ${column} is not a count`);
  }
  return value;
}
