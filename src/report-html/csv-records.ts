import { parseCsv } from '../report-files/parse-csv.js';
import { ReportIntegrityError } from '../report/errors.js';

/** One CSV row as the file holds it: every cell a string, keyed by its header. */
export type CsvRecord = Record<string, string>;

export interface CsvTable {
  columns: string[];
  records: CsvRecord[];
}

/**
 * The rows of a CSV this project wrote, keyed by header, cells untouched (formula guards included),
 * so a page shows the very text the file holds. `required` columns must be present.
 *
 * @example csvRecords('a,b\n1,2\n', 'x.csv', ['a']); // { columns: ['a', 'b'], records: [{ a: '1', b: '2' }] }
 */
export function csvRecords(text: string, path: string, required: readonly string[] = []): CsvTable {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new ReportIntegrityError(path, `${path} has no header`);
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new ReportIntegrityError(path, `${path} lacks the columns ${missing.join(', ')}`);
  const records = rows.map((row, i) => {
    if (row.length !== header.length) throw new ReportIntegrityError(path, `${path} row ${i + 1} has ${row.length} cells, the header ${header.length}`);
    return Object.fromEntries(header.map((column, k) => [column, row[k]!]));
  });
  return { columns: header, records };
}
