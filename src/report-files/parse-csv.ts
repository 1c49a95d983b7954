/**
 * Reads back the CSV this project wrote (trends and retention are rebuilt from the month folders),
 * with csv-parse, the reading half of the csv-stringify project that wrote it: RFC 4180, quoted fields
 * holding commas, doubled quotes and line breaks, lines ending in `\n` or `\r\n`. Strict about quotes;
 * rows of another width are left to the caller, which names the file and row (readReportTable).
 */
import { parse } from 'csv-parse/sync';
import { ReportInputError } from '../report/errors.js';

/**
 * @example parseCsv('a,b\n"x, y",2\n'); // [['a', 'b'], ['x, y', '2']]
 */
export function parseCsv(text: string): string[][] {
  try {
    return parse(text, { relax_column_count: true }) as string[][];
  } catch (err) {
    throw new ReportInputError(`parseCsv: ${(err as Error).message}`, { cause: err });
  }
}
