/**
 * Workspace text that breaks naive writers — commas, quotes, CR/LF, formula prefixes, right-to-left
 * marks, 10 KB names, NUL bytes, names and ids that look like paths (`../../etc`, `..\..\x`,
 * `/etc/passwd`, `CON`) — through the real CLI. The CSVs must equal the reference byte for byte, read
 * back cell for cell by a real CSV parser (DuckDB), and the output folder must hold exactly the
 * files a month always has: no name ever chose or changed a path.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NASTY_TEXT, nastyWorkspace } from '../support/badinput-nasty-text.js';
import { humanLines, listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import { outputFolderFiles } from '../support/report-pages.js';
import { lastEndedMonth, listableRawData, startsBeyondRetention } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore, referenceCsvText, referenceMonth, referenceRetentionHistory, referenceTrends, type ReferenceTables } from '../support/report-reference.js';

const TIME_ZONE = 'Asia/Kathmandu';
const TEXT_COLUMNS = new Set(['cohort_id', 'cohort_name', 'event_name', 'top_event', 'metadata_key', 'currency']);
/** METRICS.md's formula guard, restated: a leading = + - @ tab CR LF gets a `'`. */
const guard = (cell: string): string => (/^[=+\-@\t\r\n]/.test(cell) ? `'${cell}` : cell);

let sb: E2eSandbox;
let tmp: string;
let out: string;
let month: string;
let tables: ReferenceTables;
let result: CliResult;
let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  const clockMs = Math.floor(Date.now() / 1000) * 1000;
  month = lastEndedMonth(clockMs / 1000, TIME_ZONE);
  const workspace = nastyWorkspace({ clockMs, month, timeZone: TIME_ZONE });
  sb = await startE2eSandbox({ workspace, clockMs, eventsPerPage: 3 });
  tmp = await mkdtemp(join(tmpdir(), 'badinput-text-'));
  out = join(tmp, 'deep', 'out');
  const nowSec = Math.floor(Date.now() / 1000);
  result = await runCli(['run', '--month', month, '--timezone', TIME_ZONE, '--out', out], sb.env);
  tables = referenceMonth(listableRawData(workspace, clockMs), {
    month,
    timeZone: TIME_ZONE,
    previousBeyondRetention: startsBeyondRetention(monthBefore(month), TIME_ZONE, nowSec),
  });
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});

afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function everyPathUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => relative(dir, join(dir, e))).sort();
}

describe('workspace text with commas, quotes, line breaks, formula prefixes, RTL marks, 10 KB and path-like names', () => {
  it('the run succeeds quietly', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(humanLines(result.stderr)).toEqual([]);
  });

  it('the workspace really holds every kind of nasty text, in cohort names, event names, keys and currencies', () => {
    const [, ...summary] = tables.summary;
    const [, ...events] = tables.events;
    const [, ...amounts] = tables.amounts;
    for (const text of NASTY_TEXT) expect(summary.some((row) => row[3] === text), JSON.stringify(text.slice(0, 40))).toBe(true);
    expect(new Set(events.map((row) => row[4])).size).toBeGreaterThan(NASTY_TEXT.length / 2);
    expect(new Set(amounts.map((row) => row[5])).size).toBeGreaterThan(NASTY_TEXT.length / 2);
    expect(new Set(amounts.map((row) => row[6])).size).toBeGreaterThan(NASTY_TEXT.length / 2);
  });

  it('writes exactly the files of a month and trends.csv: no name or id chose a path', async () => {
    expect(await listFiles(out)).toEqual(outputFolderFiles([month]));
    // Nothing beside or above the output folder either (folders included, e.g. an empty `etc`).
    const all = await everyPathUnder(tmp);
    const allowed = new Set(['deep', 'deep/out', `deep/out/${month}`, `deep/out/${month}/charts`, 'deep/out/charts', 'deep/out/.work', ...(await listFiles(out)).map((f) => `deep/out/${f}`)]);
    expect(all.filter((p) => !allowed.has(p))).toEqual([]);
  });

  it('writes every CSV byte for byte as the reference', async () => {
    const expected = new Map([
      [`${month}/cohort_summary.csv`, referenceCsvText(tables.summary)],
      [`${month}/cohort_events.csv`, referenceCsvText(tables.events)],
      [`${month}/cohort_amounts.csv`, referenceCsvText(tables.amounts)],
      [`${month}/cohort_retention.csv`, referenceCsvText(tables.retention)],
      ['trends.csv', referenceCsvText(referenceTrends([{ month, summary: tables.summary }]))],
      ['retention.csv', referenceCsvText(referenceRetentionHistory([tables]))],
    ]);
    for (const [path, text] of expected) expect(await readFile(join(out, path), 'utf8'), path).toBe(text);
  });

  it('reads back through DuckDB cell for cell: every name arrives whole, guarded only by its leading quote', async () => {
    const files: Array<[string, string[][]]> = [
      ['cohort_summary.csv', tables.summary],
      ['cohort_events.csv', tables.events],
      ['cohort_amounts.csv', tables.amounts],
      ['cohort_retention.csv', tables.retention],
    ];
    for (const [file, table] of files) {
      const path = join(out, month, file).replace(/'/g, "''");
      const reader = await db.runAndReadAll(
        `SELECT * FROM read_csv('${path}', header = true, auto_detect = false, all_varchar = true, delim = ',', quote = '"', ` +
          `escape = '"', new_line = '\\n', strict_mode = true, max_line_size = 10000000, ` +
          `columns = {${table[0]!.map((h) => `'${h}': 'VARCHAR'`).join(', ')}})`,
      );
      const [header, ...rows] = table;
      const expected = rows.map((row) => row.map((cell, i) => (cell === '' ? null : TEXT_COLUMNS.has(header![i]!) ? guard(cell) : cell)));
      const got = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v))));
      expect(got.length, file).toBe(expected.length);
      expect(got, file).toEqual(expected);
    }
  });
});
