/**
 * A table at the root of the output folder (trends.csv, retention.csv, and their Parquet twins),
 * rebuilt atomically: each file is written and fsynced under a hidden temporary name, then renamed
 * over the old one. A Parquet twin left from an earlier run that asked for Parquet is removed when
 * this one does not, so no root file describes older data than its CSV.
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TableFile } from '../report/manifest.js';
import type { TableSpec } from '../report/table-spec.js';
import { removeLeftovers, renameIntoPlace, temporarySibling } from './rename-into-place.js';
import { parquetName, type TableWriteOptions } from './report-formats.js';
import type { RowSource } from './write-csv.js';
import { writeTableFiles } from './write-table-files.js';

/**
 * @example
 * await writeRootTable('reports', TRENDS_TABLE, rows, options);
 */
export async function writeRootTable<Row extends object>(outDir: string, table: TableSpec<Row>, rows: RowSource<Row>, options: TableWriteOptions): Promise<TableFile[]> {
  await mkdir(outDir, { recursive: true });
  const finalNames = [table.file, parquetName(table.file)];
  for (const name of finalNames) await removeLeftovers(join(outDir, name));
  const temporary = new Map(finalNames.map((name) => [name, temporarySibling(join(outDir, name), 'tmp')]));
  try {
    const files = await writeTableFiles(outDir, table, rows, options, (name) => basename(temporary.get(name)!));
    for (const file of files) await renameIntoPlace(temporary.get(file.name)!, join(outDir, file.name));
    if (!options.formats.includes('parquet')) await rm(join(outDir, parquetName(table.file)), { force: true });
    return files;
  } catch (err) {
    for (const path of temporary.values()) await rm(path, { force: true });
    throw err;
  }
}
