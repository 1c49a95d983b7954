/**
 * Streams rows into one CSV file (csv-stringify): UTF-8 without BOM, a header, `\n` line ends,
 * RFC 4180 quoting, workspace text formula-guarded. While streaming it checks the row order, counts
 * rows and bytes and hashes the bytes, then fsyncs the file, so the manifest can describe exactly
 * what is on disk.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { ReportInputError, RowOrderError } from '../report/errors.js';
import { guardFormula } from '../report/guard-formula.js';
import type { TableSpec } from '../report/table-spec.js';
import { syncPath } from './sync-path.js';

export type RowSource<Row> = Iterable<Row> | AsyncIterable<Row>;

export interface CsvFileStats {
  /** Data rows, header excluded. */
  rows: number;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface WriteCsvOptions<Row> {
  /** Its columns, its row order (a row that does not sort strictly after its predecessor is refused) and its workspace text. */
  table: TableSpec<Row>;
  rows: RowSource<Row>;
  /** Guard workspace text against spreadsheet formulas (METRICS.md, "Cells"); default true. */
  formulaGuard?: boolean;
}

async function* checked<Row>(path: string, options: WriteCsvOptions<Row>): AsyncGenerator<Row> {
  const { columns, compare } = options.table;
  let previous: Row | undefined;
  let index = 0;
  for await (const row of options.rows) {
    for (const column of columns) {
      if (row[column] === undefined) throw new ReportInputError(`${path}: row ${index} has no value for column ${column}`);
    }
    if (previous !== undefined && compare(previous, row) >= 0) {
      throw new RowOrderError(path, index, `${path}: row ${index} does not sort after the row before it (METRICS.md order)`);
    }
    previous = row;
    index += 1;
    yield row;
  }
}

/**
 * Writes a new file at `path` (refusing to overwrite one) and returns its rows, bytes and SHA-256.
 *
 * @example
 * await writeCsv(join(tmp, SUMMARY_FILE), { table: SUMMARY_TABLE, rows });
 */
export async function writeCsv<Row>(path: string, options: WriteCsvOptions<Row>): Promise<CsvFileStats> {
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const guard = options.formulaGuard ?? true;
  const { columns, workspaceText } = options.table;
  const stringifier = stringify({
    header: true,
    columns: columns.map((key) => ({ key, header: key })),
    delimiter: ',',
    quote: '"',
    escape: '"',
    record_delimiter: '\n',
    // With record_delimiter given, csv-stringify stops quoting a field that holds a bare \r unless
    // told to: RFC 4180 wants every CR and LF inside quotes.
    quote_record_delimiter: true,
    bom: false,
    cast: {
      string: (value, context) =>
        guard && !context.header && workspaceText.has(String(context.column)) ? guardFormula(value) : value,
    },
  });
  const counted = async function* (source: AsyncIterable<Row>): AsyncGenerator<Row> {
    for await (const row of source) {
      rows += 1;
      yield row;
    }
  };
  await pipeline(Readable.from(counted(checked(path, options))), stringifier, tap, createWriteStream(path, { flags: 'wx' }));
  // fsync through a second descriptor flushes the same file: the stream has closed its own by now.
  await syncPath(path);
  return { rows, bytes, sha256: hash.digest('hex') };
}
