import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AMOUNTS_COLUMNS,
  AMOUNTS_TABLE,
  EVENTS_COLUMNS,
  EVENTS_TABLE,
  RETENTION_HISTORY_TABLE,
  RowOrderError,
  SUMMARY_TABLE,
  guardFormula,
  unguardFormula,
  type CohortEventRow,
  type CohortRetentionRow,
} from '../../src/report/index.js';
import { writeCsv } from '../../src/report-files/write-csv.js';
import { computeMonths, toCells } from '../support/report-drive.js';
import { EDGE_NAMES, edgeRawData } from '../support/report-edge-data.js';
import { referenceCsvText, referenceMonth } from '../support/report-reference.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { ReportInputError } from '../../src/report/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-csv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeCsv', () => {
  it('writes exactly the bytes of an independent RFC 4180 serializer, formula guard included', async () => {
    const month = '2026-10';
    const data = edgeRawData(month, 'UTC');
    const ours = (await computeMonths(data, [month], 'UTC')).get(month)!;
    const ref = referenceMonth(data, { month, timeZone: 'UTC' });
    const path = join(dir, 'events.csv');
    const stats = await writeCsv(path, { table: EVENTS_TABLE, rows: ours.events });
    const bytes = await readFile(path);
    expect(bytes.toString('utf8')).toBe(referenceCsvText(ref.events));
    expect(stats.rows).toBe(ref.events.length - 1);
    expect(stats.bytes).toBe(bytes.length);

    const summaryPath = join(dir, 'summary.csv');
    await writeCsv(summaryPath, { table: SUMMARY_TABLE, rows: ours.summary });
    expect(await readFile(summaryPath, 'utf8')).toBe(referenceCsvText(ref.summary));
    const amountsPath = join(dir, 'amounts.csv');
    await writeCsv(amountsPath, { table: AMOUNTS_TABLE, rows: ours.amounts });
    expect(await readFile(amountsPath, 'utf8')).toBe(referenceCsvText(ref.amounts));
  });

  it('guards = + - @ tab, CR and a leading LF in workspace text, and never a number', async () => {
    const path = join(dir, 'guard.csv');
    const rows = EDGE_NAMES.map((name, i) => ({ month: '2026-10', cohort_type: 'tag', cohort_id: `id${String(i).padStart(2, '0')}`, cohort_name: name, event_name: name, metadata_key: '-k', currency: '@c', amount: String(-5 - i), events: -1, amount_major: null }));
    await writeCsv(path, { table: AMOUNTS_TABLE, rows });
    const table = parseCsv(await readFile(path, 'utf8'));
    const [header, ...body] = table;
    expect(header).toEqual([...AMOUNTS_COLUMNS]);
    body.forEach((cells, i) => {
      const name = EDGE_NAMES[i]!;
      const risky = /^[=+\-@\t\r\n]/.test(name);
      expect(cells[3]).toBe(risky ? `'${name}` : name);
      expect(cells[4]).toBe(risky ? `'${name}` : name);
      expect(unguardFormula(cells[4]!)).toBe(name);
      expect(cells[5]).toBe("'-k");
      expect(cells[6]).toBe("'@c");
      expect(cells[7]).toBe(String(-5 - i));
      expect(cells[8]).toBe('-1');
    });
  });

  it('starts with the header, ends every line with \\n, has no BOM, and writes a header-only file for no rows', async () => {
    const path = join(dir, 'empty.csv');
    const stats = await writeCsv(path, { table: EVENTS_TABLE, rows: [] });
    const bytes = await readFile(path);
    expect(bytes.toString('utf8')).toBe(`${EVENTS_COLUMNS.join(',')}\n`);
    expect(bytes[0]).not.toBe(0xef);
    expect(stats).toMatchObject({ rows: 0, bytes: bytes.length });
  });

  it('refuses rows out of METRICS.md order with REPORT_ROW_ORDER', async () => {
    const row = (id: string, events: number, name: string, type = 'tag'): CohortEventRow => ({
      month: '2026-10', cohort_type: type, cohort_id: id, cohort_name: 'n', event_name: name, events, members: 1, member_share: '1.0000', first_at: 'x', last_at: 'x',
    });
    const write = (name: string, rows: CohortEventRow[]) => writeCsv(join(dir, name), { table: EVENTS_TABLE, rows });
    // "1001" < "99" as strings: 99 before 1001 is out of order.
    const attempt = write('bad.csv', [row('99', 1, 'a'), row('1001', 1, 'a')]);
    await expect(attempt).rejects.toBeInstanceOf(RowOrderError);
    await expect(attempt).rejects.toMatchObject({ code: 'REPORT_ROW_ORDER', rowIndex: 1 });
    await expect(write('dup.csv', [row('1', 2, 'a'), row('1', 2, 'a')])).rejects.toBeInstanceOf(RowOrderError);
    // Within a cohort: events descending (as numbers, 10 > 9), then the event name.
    await expect(write('ascending.csv', [row('1', 1, 'a'), row('1', 2, 'b')])).rejects.toMatchObject({ rowIndex: 1 });
    await expect(write('names.csv', [row('1', 2, 'b'), row('1', 2, 'a')])).rejects.toMatchObject({ rowIndex: 1 });
    await expect(write('types.csv', [row('1', 1, 'a'), row('1', 1, 'a', 'segment')])).rejects.toMatchObject({ rowIndex: 1 });
    const ordered = await write('ordered.csv', [row('1', 1, 'z', 'segment'), row('1', 10, 'b'), row('1', 9, 'a'), row('1', 9, 'c'), row('1001', 1, 'a'), row('99', 5, 'a')]);
    expect(ordered.rows).toBe(6);
  });

  it('orders retention.csv by cohort, signup month, then month', async () => {
    const row = (month: string, id: string, signup: string): CohortRetentionRow => ({
      month, cohort_type: 'tag', cohort_id: id, cohort_name: 'n', signup_month: signup, months_since_signup: 0, members: 1, active_members: 0, active_rate: null, events: 0,
    });
    const write = (name: string, rows: CohortRetentionRow[]) => writeCsv(join(dir, name), { table: RETENTION_HISTORY_TABLE, rows });
    expect((await write('ordered.csv', [row('2026-10', '1', '2026-08'), row('2026-11', '1', '2026-08'), row('2026-09', '1', '2026-09'), row('2026-09', '2', '2026-01')])).rows).toBe(4);
    await expect(write('months.csv', [row('2026-11', '1', '2026-08'), row('2026-10', '1', '2026-08')])).rejects.toMatchObject({ rowIndex: 1 });
  });
});

describe('guardFormula / parseCsv', () => {
  it('leaves ordinary text alone and round-trips through unguardFormula', () => {
    for (const text of ['plain', "'already quoted", '', '1+1', 'a=b', ...EDGE_NAMES]) {
      expect(unguardFormula(guardFormula(text))).toBe(text);
    }
    expect(guardFormula('plain')).toBe('plain');
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\n"x, ""y""","1\n2"\n,\n')).toEqual([['a', 'b'], ['x, "y"', '1\n2'], ['', '']]);
  });

  it('reads what the reference serializer writes', () => {
    const table = toCells(
      [{ a: '=x', b: 'q"uote', c: 'line\nbreak\r\n' }],
      ['a', 'b', 'c'],
    );
    expect(parseCsv(referenceCsvText(table))).toEqual(table);
  });

  it('refuses text after a closing quote and an unterminated quoted field, as a ReportInputError', () => {
    expect(() => parseCsv('a,b\n"x"y,1\n')).toThrow(ReportInputError);
    expect(() => parseCsv('a,b\n"x,1\n')).toThrow(/parseCsv: .*quote/i);
  });
});
