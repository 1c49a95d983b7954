/**
 * Scenario `pages`: the report pages at the scale. Two workspaces side by side, the sandbox's
 * own cohorts (~14) and 200 cohorts over the same contacts, each written as a month folder through
 * writeMonthReport (CSVs, then report.html with its charts rendered in Node) and an index page; then
 * Debian's headless Chromium opens each page from disk, network blocked, five times in fresh tabs.
 *
 * Figures: the time Node takes for the month folder (computing the rows, writing the CSVs and the page,
 * charts rendered) or the index page, the page's size, and in Chromium the time
 * from navigation start to the load event and to the first contentful paint (median of 5). Target for
 * 200 cohorts: under 2 s in Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '../../../src/sandbox/create-prng.js';
import { CHROMIUM, startPageBrowser } from '../../support/report-browser.js';
import type { RawData } from '../../support/report-reference.js';
import { sandboxRawData } from '../../support/report-sandbox-data.js';
import { writeMonthsFromRaw, writeTrendsIn, writeIndexIn } from '../../support/report-write.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const MONTH = '2026-10';
const NOW_SEC = Date.UTC(2026, 10, 20) / 1000;

/** The same contacts and events in `count` cohorts of skewed sizes (a few large, many small). */
function withCohorts(data: RawData, count: number): RawData {
  const rand = createPrng(count).next;
  const ids = [...data.contacts.keys()];
  const cohorts: RawData['cohorts'] = Array.from({ length: count }, (_, i) => {
    const size = Math.max(3, Math.floor(ids.length * 0.4 * rand() ** 3));
    const start = Math.floor(rand() * ids.length);
    const memberIds = Array.from({ length: size }, (_, k) => ids[(start + k * 7) % ids.length]!);
    return { type: i % 3 === 0 ? ('tag' as const) : ('segment' as const), id: String(10_000 + i), name: `Cohort ${i} ${['trial', 'paying', 'EU', 'mobile'][i % 4]}`, reported: null, memberIds };
  });
  return { ...data, cohorts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export default async function pages(ctx: BenchContext): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    ctx.log(`# pages: ${CHROMIUM} not found, scenario skipped`);
    return [];
  }
  const base = sandboxRawData({ contacts: ctx.quick ? 800 : 3000, seed: 9, nowSec: NOW_SEC });
  const browser = await startPageBrowser();
  const rows: BenchRow[] = [];
  try {
    for (const [label, data] of [['sandbox cohorts', base], ['200 cohorts', withCohorts(base, 200)]] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-pages-'));
      try {
        const t0 = performance.now();
        await writeMonthsFromRaw(dir, data, [MONTH], 'UTC');
        const writeMs = performance.now() - t0;
        await writeTrendsIn(dir);
        const t1 = performance.now();
        await writeIndexIn(dir);
        const indexMs = performance.now() - t1;
        for (const [page, path, ms] of [['month', join(dir, MONTH, 'report.html'), writeMs], ['index', join(dir, 'index.html'), indexMs]] as const) {
          const loads: number[] = [];
          const paints: number[] = [];
          for (let i = 0; i < 5; i += 1) {
            const { page: tab, requests } = await browser.open(path);
            if (requests.length > 0) throw new Error(`${path} asked for ${requests.join(', ')}`);
            // Runs in the page: its Performance, typed here by the two fields read.
            const timing = await tab.$eval('html', () => {
              const perf = performance as unknown as { getEntriesByType(t: string): Array<{ loadEventEnd: number }>; getEntriesByName(n: string): Array<{ startTime: number }> };
              return { load: perf.getEntriesByType('navigation')[0]!.loadEventEnd, paint: perf.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN };
            });
            loads.push(timing.load);
            paints.push(timing.paint);
            await tab.close();
          }
          rows.push({
            scenario: 'pages',
            workspace: label,
            page,
            cohorts: data.cohorts.length,
            node_write_ms: Math.round(ms),
            page_kb: Math.round((await stat(path)).size / 1024),
            chromium_load_ms: Math.round(median(loads)),
            chromium_fcp_ms: Math.round(median(paints)),
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
  }
  return rows;
}
