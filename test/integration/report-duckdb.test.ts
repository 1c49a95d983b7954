/**
 * The CSVs read back by a consumer nobody here wrote: DuckDB. Each file is read with the column
 * types a data team would declare (strict, no sniffing); every row must arrive and every value must
 * equal the brute-force reference. A second test shows what DuckDB's own sniffer makes of a
 * realistic month when only the id column is declared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMOUNTS_FILE, EVENTS_FILE, RETENTION_FILE, SUMMARY_FILE, TRENDS_FILE, guardFormula } from '../../src/report/index.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { referenceMonth, referenceTrends, type RawData } from '../support/report-reference.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';
import { writeMonthsFromRaw, writeTrendsIn } from '../support/report-write.js';

const V = 'VARCHAR';
const I = 'BIGINT';
const TS = 'TIMESTAMP WITH TIME ZONE';
/** The intended type of every column, written down here independently of src/report. */
const INTENDED: Record<string, Record<string, string>> = {
  [SUMMARY_FILE]: {
    month: V, cohort_type: V, cohort_id: V, cohort_name: V, members: I, members_reported: I, new_members: I,
    active_members: I, active_rate: 'DECIMAL(5,4)', events: I, events_per_active: 'DECIMAL(18,2)',
    median_events_per_active: 'DECIMAL(18,2)', p90_events_per_active: I, avg_active_days: 'DECIMAL(4,2)',
    distinct_event_names: I, top_event: V, active_days_1: I, active_days_2_3: I, active_days_4_7: I,
    active_days_8_14: I, active_days_15_plus: I, lifecycle_new: I, lifecycle_returning: I,
    lifecycle_resurrecting: I, lifecycle_dormant: I, events_prev: I, active_members_prev: I,
    unsubscribed_members: I,
  },
  [EVENTS_FILE]: {
    month: V, cohort_type: V, cohort_id: V, cohort_name: V, event_name: V, events: I, members: I,
    member_share: 'DECIMAL(5,4)', first_at: TS, last_at: TS,
  },
  [AMOUNTS_FILE]: {
    month: V, cohort_type: V, cohort_id: V, cohort_name: V, event_name: V, metadata_key: V, currency: V,
    amount: 'HUGEINT', events: I, amount_major: 'DECIMAL(38,4)',
  },
  [RETENTION_FILE]: {
    month: V, cohort_type: V, cohort_id: V, cohort_name: V, signup_month: V, months_since_signup: I, members: I,
    active_members: I, active_rate: 'DECIMAL(5,4)', events: I,
  },
  [TRENDS_FILE]: {
    month: V, cohort_type: V, cohort_id: V, cohort_name: V, previous_month: V,
    members: I, members_change: I, members_change_pct: 'DECIMAL(18,2)',
    active_members: I, active_members_change: I, active_members_change_pct: 'DECIMAL(18,2)',
    active_rate: 'DECIMAL(5,4)', active_rate_change: 'DECIMAL(5,4)', active_rate_change_pct: 'DECIMAL(18,2)',
    events: I, events_change: I, events_change_pct: 'DECIMAL(18,2)',
    events_per_active: 'DECIMAL(18,2)', events_per_active_change: 'DECIMAL(18,2)', events_per_active_change_pct: 'DECIMAL(18,2)',
  },
};
const TEXT = new Set(['cohort_id', 'cohort_name', 'event_name', 'top_event', 'metadata_key', 'currency']);

let instance: DuckDBInstance;
let db: DuckDBConnection;
let outDir: string;
let sandbox: RawData;
const NOW_SEC = Date.UTC(2026, 11, 10) / 1000;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run(`SET TimeZone = 'UTC'`);
  outDir = await mkdtemp(join(tmpdir(), 'report-duckdb-'));
  sandbox = sandboxRawData({ contacts: 400, seed: 11, nowSec: NOW_SEC });
});
afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(outDir, { recursive: true, force: true });
});

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

async function readTyped(path: string, file: string): Promise<{ types: string[]; rows: Array<Record<string, unknown>> }> {
  const columns = Object.entries(INTENDED[file]!).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ');
  const reader = await db.runAndReadAll(
    `SELECT * FROM read_csv(${sqlString(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
      `new_line = '\\n', strict_mode = true, null_padding = false, columns = {${columns}})`,
  );
  return { types: reader.columnTypes().map(String), rows: reader.getRowObjectsJson() as Array<Record<string, unknown>> };
}

/** What DuckDB must hand back for a reference cell of a column of the given type. */
function expectedValue(column: string, type: string, cell: string): unknown {
  if (cell === '') return null;
  if (type === TS) return `${cell.slice(0, 10)} ${cell.slice(11, 19)}+00`;
  // DuckDB shows a DECIMAL(p,s) with exactly s digits (amount_major: 123.45 → 123.4500).
  const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(type)?.[1];
  if (scale !== undefined) {
    const [whole, fraction = ''] = cell.split('.');
    return Number(scale) === 0 ? whole : `${whole}.${fraction.padEnd(Number(scale), '0')}`;
  }
  return TEXT.has(column) ? guardFormula(cell) : cell;
}

async function expectFileMatches(path: string, file: string, table: string[][]): Promise<void> {
  const { types, rows } = await readTyped(path, file);
  expect(types).toEqual(Object.values(INTENDED[file]!));
  const [header, ...body] = table;
  expect(rows).toHaveLength(body.length);
  const expected = body.map((cells) => Object.fromEntries(header!.map((h, i) => [h, expectedValue(h, INTENDED[file]![h]!, cells[i]!)])));
  expect(rows).toEqual(expected);
}

describe('DuckDB reads the report files', () => {
  it('gets every row of the sandbox months with every column in its intended type and value', async () => {
    const dir = join(outDir, 'sandbox');
    const months = ['2026-10', '2026-11'];
    await writeMonthsFromRaw(dir, sandbox, months, 'America/New_York');
    for (const month of months) {
      const ref = referenceMonth(sandbox, { month, timeZone: 'America/New_York' });
      await expectFileMatches(join(dir, month, SUMMARY_FILE), SUMMARY_FILE, ref.summary);
      await expectFileMatches(join(dir, month, EVENTS_FILE), EVENTS_FILE, ref.events);
      await expectFileMatches(join(dir, month, AMOUNTS_FILE), AMOUNTS_FILE, ref.amounts);
      await expectFileMatches(join(dir, month, RETENTION_FILE), RETENTION_FILE, ref.retention);
    }
    await writeTrendsIn(dir);
    const trends = referenceTrends(months.map((month) => ({ month, summary: referenceMonth(sandbox, { month, timeZone: 'America/New_York' }).summary })));
    await expectFileMatches(join(dir, TRENDS_FILE), TRENDS_FILE, trends);
  });

  it('gets the edge cases through: quotes, line breaks, formula guards, empty cells, an amount sum beyond 2^63', async () => {
    const dir = join(outDir, 'edge');
    const month = '2026-10';
    const data = edgeRawData(month, 'Pacific/Chatham');
    await writeMonthsFromRaw(dir, data, ['2026-09', month], 'Pacific/Chatham');
    const ref = referenceMonth(data, { month, timeZone: 'Pacific/Chatham' });
    await expectFileMatches(join(dir, month, SUMMARY_FILE), SUMMARY_FILE, ref.summary);
    await expectFileMatches(join(dir, month, EVENTS_FILE), EVENTS_FILE, ref.events);
    await expectFileMatches(join(dir, month, AMOUNTS_FILE), AMOUNTS_FILE, ref.amounts);
    await expectFileMatches(join(dir, month, RETENTION_FILE), RETENTION_FILE, ref.retention);
    const whale = await db.runAndReadAll(
      `SELECT amount::VARCHAR AS amount FROM read_csv(${sqlString(join(dir, month, AMOUNTS_FILE))}, types = {'amount': 'HUGEINT', 'cohort_id': 'VARCHAR'}) ` +
        `WHERE event_name = 'whale' AND cohort_id = '99'`,
    );
    expect(whale.getRowObjectsJson()).toEqual([{ amount: (3n * 2n ** 62n + 2n ** 11n).toString() }]);
    await writeTrendsIn(dir);
    const trends = referenceTrends(['2026-09', month].map((m) => ({ month: m, summary: referenceMonth(data, { month: m, timeZone: 'Pacific/Chatham' }).summary })));
    await expectFileMatches(join(dir, TRENDS_FILE), TRENDS_FILE, trends);
  });

  it('sniffs every column of a realistic month as intended once cohort_id is declared VARCHAR', async () => {
    const dir = join(outDir, 'sniff');
    await writeMonthsFromRaw(dir, sandbox, ['2026-11'], 'UTC');
    for (const file of [SUMMARY_FILE, EVENTS_FILE, AMOUNTS_FILE, RETENTION_FILE]) {
      const reader = await db.runAndReadAll(
        `DESCRIBE SELECT * FROM read_csv(${sqlString(join(dir, '2026-11', file))}, types = {'cohort_id': 'VARCHAR'})`,
      );
      const sniffed = Object.fromEntries(reader.getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
      for (const [column, intended] of Object.entries(INTENDED[file]!)) {
        // The sniffer picks DOUBLE for decimals and BIGINT for any integer: the same family.
        const family = (t: string): string => (t.startsWith('DECIMAL') || t === 'DOUBLE' ? 'decimal' : t === 'HUGEINT' ? I : t);
        expect([column, family(sniffed[column]!)]).toEqual([column, family(intended)]);
      }
    }
  });
});
