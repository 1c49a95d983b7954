/**
 * Writes a report table as Parquet with declared types (never guessed from the data, so a column
 * that is empty in one file has the same type as in every other): text as UTF-8 strings (ids too),
 * counts as INT64, amounts in minor units as DECIMAL(38,0), amount_major as DECIMAL(38,4), ratios
 * as DECIMAL(18, the CSV's digits), instants as TIMESTAMP (UTC, milliseconds). Cells are the
 * values themselves: no formula guard, which is for spreadsheets. The same rows give the same bytes.
 *
 * hyparquet-writer is pure JavaScript (about 1 MB installed with its reader), so production
 * carries no native build; DuckDB (a dev dependency) reads the files back in the tests.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { ReportInputError } from '../report/errors.js';
import { MAJOR_AMOUNT_SCALE, type TableField } from '../report/table-spec.js';
import { syncPath } from './sync-path.js';
import type { CsvFileStats } from './write-csv.js';

type HyparquetWriter = typeof import('hyparquet-writer');
type SchemaElement = NonNullable<Parameters<HyparquetWriter['parquetWrite']>[0]['schema']>[number];
type Cell = string | number | bigint | null | undefined;

/** Every file carries the same writer name: no version, so an upgrade alone does not change the bytes. */
const CREATED_BY = 'cohort-reports';
const RATIO_PRECISION = 18;
const AMOUNT_PRECISION = 38;

function schemaElement(field: TableField): SchemaElement {
  const name = field.name;
  const repetition_type = 'OPTIONAL';
  switch (field.kind) {
    case 'text':
    case 'label':
    case 'month':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'count':
      // Plain INT64 is signed 64-bit; hyparquet-writer's INTEGER logical type does not encode its
      // bit width in the form DuckDB reads, so it is left off.
      return { name, repetition_type, type: 'INT64' };
    case 'amount':
    case 'major_amount': {
      const scale = field.kind === 'amount' ? 0 : MAJOR_AMOUNT_SCALE;
      return {
        name,
        repetition_type,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        converted_type: 'DECIMAL',
        precision: AMOUNT_PRECISION,
        scale,
        logical_type: { type: 'DECIMAL', precision: AMOUNT_PRECISION, scale },
      };
    }
    case 'ratio': {
      const scale = field.decimals;
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'DECIMAL',
        precision: RATIO_PRECISION,
        scale,
        logical_type: { type: 'DECIMAL', precision: RATIO_PRECISION, scale },
      };
    }
    case 'instant':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
  }
}

/** A decimal string as the unscaled integer of a DECIMAL(precision, scale), refusing what does not fit. */
function unscaled(text: string, scale: number, precision: number, where: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match || (match[3]?.length ?? 0) > scale) throw new ReportInputError(`${where}: ${JSON.stringify(text)} is not a decimal with at most ${scale} digits`);
  const digits = `${match[2]}${(match[3] ?? '').padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > precision) {
    throw new ReportInputError(`${where}: ${text} has more than ${precision} digits, beyond Parquet's DECIMAL(${precision}); write CSV only (report.formats)`);
  }
  const value = BigInt(digits);
  return match[1] === '-' ? -value : value;
}

function convert(field: TableField, cell: Cell, where: string): string | bigint | null {
  if (cell === null || cell === undefined) return null;
  switch (field.kind) {
    case 'text':
    case 'label':
    case 'month':
      return String(cell);
    case 'count': {
      const value = BigInt(cell);
      if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new ReportInputError(`${where}: ${cell} does not fit INT64`);
      return value;
    }
    case 'amount':
      return unscaled(String(cell), 0, AMOUNT_PRECISION, where);
    case 'major_amount':
      return unscaled(String(cell), MAJOR_AMOUNT_SCALE, AMOUNT_PRECISION, where);
    case 'ratio':
      return unscaled(String(cell), field.decimals, RATIO_PRECISION, where);
    case 'instant': {
      const ms = Date.parse(String(cell));
      if (!Number.isFinite(ms)) throw new ReportInputError(`${where}: ${JSON.stringify(cell)} is not an instant`);
      return BigInt(ms);
    }
  }
}

/**
 * Writes a new file at `path` (refusing to overwrite one), fsynced, and returns its rows, bytes and SHA-256.
 *
 * @example
 * await writeParquet(join(tmp, 'cohort_summary.parquet'), SUMMARY_TABLE.fields, rows);
 */
export async function writeParquet(path: string, fields: readonly TableField[], rows: ReadonlyArray<object>): Promise<CsvFileStats> {
  const columnData = fields.map((field) => ({
    name: field.name,
    data: rows.map((row, i) => convert(field, (row as Record<string, Cell>)[field.name], `${path} row ${i} ${field.name}`)),
  }));
  // Loaded on first use: a CSV-only run never loads the Parquet writer.
  const { ByteWriter, parquetWrite } = await import('hyparquet-writer');
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData,
    schema: [{ name: 'root', num_children: fields.length }, ...fields.map(schemaElement)],
    createdBy: CREATED_BY,
    // One row group for a month's table keeps the file small and its bytes independent of defaults.
    rowGroupSize: Math.max(1, rows.length),
  });
  const bytes = new Uint8Array(writer.getBuffer());
  await writeFile(path, bytes, { flag: 'wx' });
  await syncPath(path);
  return { rows: rows.length, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
