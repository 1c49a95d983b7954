/**
 * One report table on disk: its CSV, and its Parquet twin when asked for. The CSV is streamed; the
 * rows are kept only when Parquet (a columnar format, written in one piece) needs them.
 */
import { join } from 'node:path';
import type { TableFile } from '../report/manifest.js';
import type { TableSpec } from '../report/table-spec.js';
import { writeCsv, type RowSource } from './write-csv.js';
import { parquetName, type TableWriteOptions } from './report-formats.js';
import { writeParquet } from './write-parquet.js';

/** Writes `rows` of `table` into `dir` and returns the manifest entries, CSV first. */
export async function writeTableFiles<Row extends object>(
  dir: string,
  table: TableSpec<Row>,
  rows: RowSource<Row>,
  options: TableWriteOptions,
): Promise<TableFile[]> {
  const keep = options.formats.includes('parquet');
  const kept: Row[] = [];
  const source = keep
    ? (async function* () {
        for await (const row of rows) {
          kept.push(row);
          yield row;
        }
      })()
    : rows;
  const csv = await writeCsv(join(dir, table.file), { table, rows: source, formulaGuard: options.formulaGuard });
  const files: TableFile[] = [{ name: table.file, ...csv }];
  if (keep) {
    const name = parquetName(table.file);
    files.push({ name, ...(await writeParquet(join(dir, name), table.fields, kept)) });
  }
  return files;
}
