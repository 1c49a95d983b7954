/**
 * A child process that writes month reports and dies by SIGKILL — no cleanup, no finally — at a
 * chosen point: `node --import tsx report-crash-child.ts <outDir> <month> <mode>`.
 *   kill-in-summary | kill-in-events | kill-in-amounts: SIGKILL while streaming that file's rows.
 *   loop: rewrite the month forever (the parent kills it at some moment).
 */
import { monthWindow } from '../../src/report/index.js';
import { writeMonthReport } from '../../src/report-files/write-month-report.js';
import { type RowSource } from '../../src/report-files/write-csv.js';
import { computeMonths } from './report-drive.js';
import { edgeRawData } from './report-edge-data.js';

const [outDir, month, mode] = process.argv.slice(2) as [string, string, string];
const timeZone = 'UTC';
const rows = (await computeMonths(edgeRawData(month, timeZone), [month], timeZone)).get(month)!;

function killingAfter<T>(source: readonly T[], count: number): AsyncIterable<T> {
  return (async function* () {
    let n = 0;
    for (const row of source) {
      if (n === count) process.kill(process.pid, 'SIGKILL');
      n += 1;
      yield row;
    }
    process.kill(process.pid, 'SIGKILL');
  })();
}

async function write(summary: RowSource<(typeof rows.summary)[number]>, events: RowSource<(typeof rows.events)[number]>, amounts: RowSource<(typeof rows.amounts)[number]>): Promise<void> {
  await writeMonthReport({
    outDir,
    month,
    timeZone,
    window: monthWindow(month, timeZone),
    generatedAt: '2026-12-01T00:00:00Z',
    source: { baseUrl: 'http://127.0.0.1:9', apiVersion: '2.14' },
    totals: { cohorts: rows.summary.length, members: 0, uniqueContacts: 0, eventsFetched: 0, apiCalls: 0, responses429: 0, retries: 0 },
    warnings: [],
    rows: { summary, events, amounts, retention: rows.retention },
  });
}

if (mode === 'kill-in-summary') await write(killingAfter(rows.summary, 3), rows.events, rows.amounts);
else if (mode === 'kill-in-events') await write(rows.summary, killingAfter(rows.events, 5), rows.amounts);
else if (mode === 'kill-in-amounts') await write(rows.summary, rows.events, killingAfter(rows.amounts, 2));
else if (mode === 'loop') {
  process.stdout.write('ready\n');
  for (;;) await write(rows.summary, rows.events, rows.amounts);
} else throw new Error(`unknown mode ${mode}`);
