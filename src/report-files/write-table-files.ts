/**
 * One report table on disk: its CSV, and its Parquet twin when asked for. The CSV is streamed; the
 * rows are kept only when Parquet (a columnar format, written in one piece) needs them.
 */
import { join } from 'node:path';
import type { TableFile } from '../report/manifest.js';
import { tableFieldsOf } from '../report/table-fields.js';
import { writeCsv, type RowSource } from './write-csv.js';
import { parquetName, type TableWriteOptions } from './report-formats.js';
import { writeParquet } from './write-parquet.js';

export interface ReportTable<Row> {
  /** The CSV's name, e.g. cohort_summary.csv; the fields come from table-fields.ts by this name. */
  file: string;
  columns: ReadonlyArray<keyof Row & string>;
  /** Negative when `a` comes first; rows out of this order fail the write. */
  compare: (a: Row, b: Row) => number;
  rows: RowSource<Row>;
}

/**
 * Writes `table` into `dir` under `names(file)` (the final names unless the caller writes to
 * temporaries) and returns the manifest entries, CSV first, under their final names.
 */
export async function writeTableFiles<Row extends object>(
  dir: string,
  table: ReportTable<Row>,
  options: TableWriteOptions,
  names: (finalName: string) => string = (name) => name,
): Promise<TableFile[]> {
  const keep = options.formats.includes('parquet');
  const kept: Row[] = [];
  const rows = keep
    ? (async function* () {
        for await (const row of table.rows) {
          kept.push(row);
          yield row;
        }
      })()
    : table.rows;
  const csv = await writeCsv(join(dir, names(table.file)), {
    columns: table.columns,
    rows,
    compare: table.compare,
    formulaGuard: options.formulaGuard,
  });
  const files: TableFile[] = [{ name: table.file, ...csv }];
  if (keep) {
    const name = parquetName(table.file);
    files.push({ name, ...(await writeParquet(join(dir, names(name)), tableFieldsOf(table.file), kept)) });
  }
  return files;
}
