/**
 * A table at the root of the output (trends.csv, retention.csv, and their Parquet twins), rebuilt
 * atomically: each file is written and fsynced in the output's staging folder, then published over
 * the old one (report-output.ts). A Parquet twin left from an earlier run that asked for Parquet is
 * removed when this one does not, so no root file describes older data than its CSV.
 */
import type { TableFile } from '../report/manifest.js';
import type { TableSpec } from '../report/table-spec.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { parquetName, type TableWriteOptions } from './report-formats.js';
import type { RowSource } from './write-csv.js';
import { writeTableFiles } from './write-table-files.js';

/**
 * @example
 * await writeRootTable(openDiskOutput('reports'), TRENDS_TABLE, rows, options);
 */
export async function writeRootTable<Row extends object>(
  output: ReportOutput,
  table: TableSpec<Row>,
  rows: RowSource<Row>,
  options: TableWriteOptions,
): Promise<TableFile[]> {
  const staged = await output.stageRoot();
  let files: TableFile[];
  try {
    files = await writeTableFiles(staged.dir, table, rows, options);
    await staged.publish(files.map((f) => f.name));
  } catch (err) {
    await staged.discard();
    throw err;
  }
  if (!options.formats.includes('parquet')) await output.remove([parquetName(table.file)]);
  return files;
}
