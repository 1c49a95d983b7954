/**
 * The Parquet twins read back by DuckDB with nothing declared: every column must arrive in the type
 * written down here (independently of src/), and every value must equal the CSV's cell — ids as text,
 * an amount beyond 2^63 exactly, names without the formula guard. The same rows give the same bytes,
 * and a column empty in every row (trends in the first month) keeps its type.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableWriteOptions } from '../../src/report-files/report-formats.js';
import { unguardFormula, type MonthManifest } from '../../src/report/index.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';
import { writeMonthsFromRaw, writeTrendsIn, writeRetentionIn } from '../support/report-write.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { MONTH_PAGE_FILES } from '../support/report-pages.js';

const V = 'VARCHAR';
const I = 'BIGINT';
const TS = 'TIMESTAMP WITH TIME ZONE';
const R4 = 'DECIMAL(18,4)';
const R2 = 'DECIMAL(18,2)';
const BASE = { month: V, cohort_type: V, cohort_id: V, cohort_name: V };
const RETENTION = { ...BASE, signup_month: V, months_since_signup: I, members: I, active_members: I, active_rate: R4, events: I };
/** What DuckDB must report for each column of each Parquet file, with no types declared. */
const PARQUET_TYPES: Record<string, Record<string, string>> = {
  'cohort_summary.parquet': {
    ...BASE, members: I, members_reported: I, new_members: I, active_members: I, active_rate: R4, events: I,
    events_per_active: R2, median_events_per_active: R2, p90_events_per_active: I, avg_active_days: R2,
    distinct_event_names: I, top_event: V, active_days_1: I, active_days_2_3: I, active_days_4_7: I,
    active_days_8_14: I, active_days_15_plus: I, lifecycle_new: I, lifecycle_returning: I,
    lifecycle_resurrecting: I, lifecycle_dormant: I, events_prev: I, active_members_prev: I,
    unsubscribed_members: I,
  },
  'cohort_events.parquet': { ...BASE, event_name: V, events: I, members: I, member_share: R4, first_at: TS, last_at: TS },
  'cohort_amounts.parquet': {
    ...BASE, event_name: V, metadata_key: V, currency: V, amount: 'DECIMAL(38,0)', events: I, amount_major: 'DECIMAL(38,4)',
  },
  'cohort_retention.parquet': RETENTION,
  'retention.parquet': RETENTION,
  'trends.parquet': {
    ...BASE, previous_month: V,
    members: I, members_change: I, members_change_pct: R2,
    active_members: I, active_members_change: I, active_members_change_pct: R2,
    active_rate: R4, active_rate_change: R4, active_rate_change_pct: R2,
    events: I, events_change: I, events_change_pct: R2,
    events_per_active: R2, events_per_active_change: R2, events_per_active_change_pct: R2,
  },
};
const GUARDED = new Set(['cohort_id', 'cohort_name', 'event_name', 'top_event', 'metadata_key', 'currency']);
const BOTH: TableWriteOptions = { formats: ['csv', 'parquet'], formulaGuard: true };
const NOW_SEC = Date.UTC(2026, 11, 10) / 1000;

let instance: DuckDBInstance;
let db: DuckDBConnection;
let tmp: string;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run(`SET TimeZone = 'UTC'`);
  tmp = await mkdtemp(join(tmpdir(), 'report-parquet-'));
});
afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A decimal's value as a canonical string: no trailing fraction zeros, no "-0". */
function canonicalDecimal(text: string): string {
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}

/** The CSV cell as DuckDB's JSON value of the Parquet column must show it. */
function expectedCell(column: string, type: string, cell: string, guarded: boolean): string | null {
  if (type === V) return guarded && GUARDED.has(column) ? unguardFormula(cell) : cell;
  if (cell === '') return null;
  if (type === TS) return `${cell.slice(0, 10)} ${cell.slice(11, 19)}+00`;
  if (type.startsWith('DECIMAL')) return canonicalDecimal(cell);
  return cell;
}

async function expectParquetEqualsCsv(parquetPath: string, csvPath: string, guarded: boolean): Promise<number> {
  const name = parquetPath.slice(parquetPath.lastIndexOf('/') + 1);
  const intended = PARQUET_TYPES[name]!;
  const reader = await db.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(parquetPath)})`);
  expect([name, reader.columnNames()]).toEqual([name, Object.keys(intended)]);
  expect([name, reader.columnTypes().map(String)]).toEqual([name, Object.values(intended)]);
  const [header, ...records] = parseCsv(await readFile(csvPath, 'utf8'));
  const rows = reader.getRowObjectsJson() as Array<Record<string, string | null>>;
  expect(rows).toHaveLength(records.length);
  const got = rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => {
      const type = intended[column]!;
      // A text cell empty in CSV is '' or NULL alike; decimals compare by value.
      if (type === V) return [column, value ?? ''];
      return [column, value !== null && type.startsWith('DECIMAL') ? canonicalDecimal(value) : value];
    })),
  );
  const want = records.map((cells) => Object.fromEntries(header!.map((h, i) => [h, expectedCell(h, intended[h]!, cells[i]!, guarded)])));
  expect(got).toEqual(want);
  return rows.length;
}

async function parquetFilesOf(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
}

describe('Parquet beside each CSV, read by DuckDB with no declared types', () => {
  it('gives every value of every file of a two-month backfill, trends and retention, as the CSV has it', async () => {
    const dir = join(tmp, 'sandbox');
    const months = ['2026-10', '2026-11'];
    await writeMonthsFromRaw(dir, sandboxRawData({ contacts: 300, seed: 5, nowSec: NOW_SEC }), months, 'America/New_York', { output: BOTH });
    await writeTrendsIn(dir, BOTH);
    await writeRetentionIn(dir, BOTH);
    let rows = 0;
    for (const month of months) {
      const folder = join(dir, month);
      const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as MonthManifest;
      // The tables first, in writing order; the page and its chart specs after them.
      expect(manifest.files.map((f) => f.name).slice(0, 8)).toEqual([
        'cohort_summary.csv', 'cohort_summary.parquet', 'cohort_events.csv', 'cohort_events.parquet',
        'cohort_amounts.csv', 'cohort_amounts.parquet', 'cohort_retention.csv', 'cohort_retention.parquet',
      ]);
      expect(manifest.files.map((f) => f.name).slice(8).sort()).toEqual([...MONTH_PAGE_FILES]);
      expect(await parquetFilesOf(folder)).toHaveLength(4);
      for (const file of await parquetFilesOf(folder)) {
        rows += await expectParquetEqualsCsv(join(folder, file), join(folder, file.replace('.parquet', '.csv')), true);
      }
    }
    for (const file of ['trends.parquet', 'retention.parquet']) {
      rows += await expectParquetEqualsCsv(join(dir, file), join(dir, file.replace('.parquet', '.csv')), true);
    }
    expect(rows).toBeGreaterThan(500);
  });

  it('keeps ids as text, an amount beyond 2^63 exact, and workspace text without the formula guard', async () => {
    const dir = join(tmp, 'edge');
    const month = '2026-10';
    await writeMonthsFromRaw(dir, edgeRawData(month, 'Pacific/Chatham'), ['2026-09', month], 'Pacific/Chatham', { output: BOTH });
    const folder = join(dir, month);
    for (const file of await parquetFilesOf(folder)) {
      await expectParquetEqualsCsv(join(folder, file), join(folder, file.replace('.parquet', '.csv')), true);
    }
    const at = (file: string): string => sqlString(join(folder, file));
    const ids = await db.runAndReadAll(`SELECT DISTINCT cohort_id FROM read_parquet(${at('cohort_summary.parquet')}) WHERE regexp_matches(cohort_id, '^[0-9]+$')`);
    expect(ids.getRowObjectsJson().length).toBeGreaterThan(0);
    const whale = await db.runAndReadAll(
      `SELECT amount::VARCHAR AS amount, typeof(amount) AS type FROM read_parquet(${at('cohort_amounts.parquet')}) WHERE event_name = 'whale' AND cohort_id = '99'`,
    );
    expect(whale.getRowObjectsJson()).toEqual([{ amount: (3n * 2n ** 62n + 2n ** 11n).toString(), type: 'DECIMAL(38,0)' }]);
    const formulas = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${at('cohort_events.parquet')}) WHERE event_name = '=SUM(A1:A9)'`);
    expect(formulas.getRowObjectsJson()).toEqual([{ n: expect.any(Number) }]);
    expect(Number(formulas.getRowObjectsJson()[0]!.n)).toBeGreaterThan(0);
  });

  it('writes the same bytes for the same rows, whenever they are written', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    const a = join(tmp, 'same-a');
    const b = join(tmp, 'same-b');
    await writeMonthsFromRaw(a, data, ['2026-10'], 'UTC', { output: BOTH, generatedAt: '2026-12-01T00:00:00Z' });
    await writeMonthsFromRaw(b, data, ['2026-10'], 'UTC', { output: BOTH, generatedAt: '2026-12-09T08:07:06Z', stream: true });
    for (const file of await parquetFilesOf(join(a, '2026-10'))) {
      expect((await readFile(join(a, '2026-10', file))).equals(await readFile(join(b, '2026-10', file))), file).toBe(true);
    }
  });

  it('keeps every trends and retention column in its type when it is empty in every row (the first month)', async () => {
    const dir = join(tmp, 'first-month');
    await writeMonthsFromRaw(dir, edgeRawData('2026-10', 'UTC'), ['2026-10'], 'UTC', { output: BOTH });
    await writeTrendsIn(dir, BOTH);
    await writeRetentionIn(dir, BOTH);
    const empty = await db.runAndReadAll(`SELECT count(members_change)::INTEGER AS n FROM read_parquet(${sqlString(join(dir, 'trends.parquet'))})`);
    expect(empty.getRowObjectsJson()).toEqual([{ n: 0 }]);
    for (const file of ['trends.parquet', 'retention.parquet']) {
      await expectParquetEqualsCsv(join(dir, file), join(dir, file.replace('.parquet', '.csv')), true);
    }
    // A month with no rows at all still has every column typed.
    const none = join(tmp, 'no-rows');
    await writeMonthsFromRaw(none, { contacts: new Map(), events: new Map(), cohorts: [] }, ['2026-10'], 'UTC', { output: BOTH });
    await writeTrendsIn(none, BOTH);
    await writeRetentionIn(none, BOTH);
    for (const file of await parquetFilesOf(join(none, '2026-10'))) {
      expect(await expectParquetEqualsCsv(join(none, '2026-10', file), join(none, '2026-10', file.replace('.parquet', '.csv')), true)).toBe(0);
    }
    for (const file of ['trends.parquet', 'retention.parquet']) expect(await expectParquetEqualsCsv(join(none, file), join(none, file.replace('.parquet', '.csv')), true)).toBe(0);
    // A later rebuild without Parquet leaves no root twin describing older data.
    await writeTrendsIn(none);
    await writeRetentionIn(none, { formats: ['csv'], formulaGuard: true });
    expect((await readdir(none)).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  });
});
