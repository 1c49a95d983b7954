/**
 * A child process that writes month reports and dies by SIGKILL — no cleanup, no finally — at a
 * chosen point: `node --import tsx report-crash-child.ts <outDir> <month> <mode>`.
 *   kill-in-summary | kill-in-events | kill-in-amounts: SIGKILL while streaming that file's rows.
 *   loop: rewrite the month forever (the parent kills it at some moment).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { monthWindow } from '../../src/report/index.js';
import { writeMonthReport } from '../../src/report-files/write-month-report.js';
import { openDiskOutput } from '../../src/report-output/disk-output.js';
import { type RowSource } from '../../src/report-files/write-csv.js';
import { computeMonths } from './report-drive.js';
import { edgeRawData } from './report-edge-data.js';

const [outDir, month, mode] = process.argv.slice(2) as [string, string, string];
const timeZone = 'UTC';
const rows = (await computeMonths(edgeRawData(month, timeZone), [month], timeZone)).get(month)!;

/**
 * Resolves once `file` exists in the month's hidden temporary folder (at most ~5 s): the write stream
 * opens its file asynchronously, and on a loaded machine the rows can be pulled before it has.
 */
async function untilOpened(file: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const temps = (await readdir(outDir).catch(() => [] as string[])).filter((d) => d.startsWith(`.${month}.tmp-`));
    if (temps.some((d) => existsSync(join(outDir, d, file)))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function killingAfter<T>(source: readonly T[], count: number, file: string): AsyncIterable<T> {
  return (async function* () {
    let n = 0;
    for (const row of source) {
      if (n === count) {
        await untilOpened(file);
        process.kill(process.pid, 'SIGKILL');
      }
      n += 1;
      yield row;
    }
    await untilOpened(file);
    process.kill(process.pid, 'SIGKILL');
  })();
}

async function write(summary: RowSource<(typeof rows.summary)[number]>, events: RowSource<(typeof rows.events)[number]>, amounts: RowSource<(typeof rows.amounts)[number]>): Promise<void> {
  await writeMonthReport({
    target: openDiskOutput(outDir),
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

if (mode === 'kill-in-summary') await write(killingAfter(rows.summary, 3, 'cohort_summary.csv'), rows.events, rows.amounts);
else if (mode === 'kill-in-events') await write(rows.summary, killingAfter(rows.events, 5, 'cohort_events.csv'), rows.amounts);
else if (mode === 'kill-in-amounts') await write(rows.summary, rows.events, killingAfter(rows.amounts, 2, 'cohort_amounts.csv'));
else if (mode === 'loop') {
  process.stdout.write('ready\n');
  for (;;) await write(rows.summary, rows.events, rows.amounts);
} else throw new Error(`unknown mode ${mode}`);
