/**
 * pagesize — the `month` workload (20,000 contacts, 3,300 requests per 10 s, `run` in one process)
 * under the three GET /events page-size regimes of issue 10, each side by side with the client as it
 * was before it sent per_page (`intercom.eventsPerPage: "omit"`), every contender on a fresh sandbox
 * of the same data (see month.ts for the measurement and the columns):
 *
 * - default 20, max 100, clamped above: the client asks 150 and is served 100;
 * - default 50, max 150: served 150 as asked;
 * - max 50, 400 above: 150 and 100 are refused once per run, then 50 is served.
 *
 * min_calls and lower_bound_s are those of the regime for a client that asks for 150 and steps down:
 * the fewest calls the data allows at the page size served, plus the refused asks. calls_ratio and
 * wall_ratio of the "no per_page" rows show what leaving the page size to the server's default cost.
 * In the 400 regime the server's default equals its maximum, so the "no per_page" row can come in
 * two calls under min_calls (it pays no refused asks), which month.ts's minimum check logs.
 * --quick: 2,000 contacts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE_REGIMES, regimeOutcome } from '../../support/api-variants.js';
import type { BenchContext, BenchRow } from '../bench-types.js';
import { measure, monthBefore, runSingleProcess, type Workload } from './month.js';

export default async function pagesize(ctx: BenchContext): Promise<BenchRow[]> {
  const nowMs = Date.now();
  const { month, fetchFromSec } = monthBefore(nowMs);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-pagesize-'));
  const work: Workload = {
    contacts: ctx.quick ? 2_000 : 20_000,
    month,
    fetchFromSec,
    nowSec: Math.floor(nowMs / 1000),
    workDir,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  const omitConfig = join(workDir, 'omit-per-page.json');
  await writeFile(omitConfig, JSON.stringify({ intercom: { eventsPerPage: 'omit' } }));
  const rows: BenchRow[] = [];
  try {
    for (const [i, regime] of PAGE_SIZE_REGIMES.entries()) {
      const { servedPerPage, refusedCalls } = regimeOutcome(regime.variant);
      const events = { variant: regime.variant, servedPerPage, refusedCalls };
      const learned = await measure(ctx, work, `run: ${regime.name}`, (arena) => runSingleProcess(work, arena, { outName: `auto-${i}` }), events);
      const today = await measure(
        ctx,
        work,
        `run, no per_page: ${regime.name}`,
        (arena) => runSingleProcess(work, arena, { outName: `omit-${i}`, args: ['--config', omitConfig] }),
        events,
      );
      for (const m of [learned, today]) rows.push({ ...m.row, scenario: 'pagesize' });
    }
    return rows;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
