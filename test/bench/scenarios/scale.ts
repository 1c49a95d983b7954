/**
 * scale — a month over 100,000 and 1,000,000 contacts (--quick: 100,000 only), each through 4
 * `cohort-reports worker` processes on a redis-server of their own and through one `cohort-reports
 * run`, side by side, against the same generated workspace (a fresh sandbox server for each: new
 * rate window, new counters). The workspace is B2C-shaped: 60% leads (one "All leads" segment of
 * ~600k at 1M), the generator's usual skew of events (half the contacts without any, 0.5% with
 * hundreds), eight segments and six tags that overlap. The sandbox generates it eagerly in this
 * process (`npm run bench` gives the process a 12 GB heap; ~4.5 GB at 1M).
 *
 * The allowance (ALLOWANCE_PER_WINDOW per 10 s, share 0.9) is set where the two cores, shared by the
 * sandbox, the clients and Redis, keep up: busiest_window ≈ share and mid_rate_ratio ≈ 1 with
 * cpu_busy below 1 say the limiter bound.
 *
 * Rows:
 * - scale-workers: see test/support/bench-distributed-run.ts; redis_bytes_per_contact is the sampled
 *   peak above the baseline per listed contact, redis_end_bytes_per_contact what is left once the
 *   run's reports are written (the store released).
 * - scale-run: wall (spawn → exit) against the same bound, calls, 429s; peak_rss_mb, and
 *   rss_bytes_per_contact = (peak RSS − the peak RSS of a `run` over BASE_CONTACTS contacts) / listed
 *   contacts; journal_bytes_per_contact: the resume journal's largest size (sampled every 200 ms; it
 *   is removed once the reports are written) per listed contact; csv_identical: its CSVs and the
 *   workers', byte for byte.
 * - scale-store (100k): the store-level cost per listed contact (test/support/bench-scale-store.ts):
 *   Redis bytes by key family at the end of collection and after release, the memory store's heap,
 *   its journal.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRun } from '../../../src/pipeline/plan-run.js';
import type { RedisStore } from '../../../src/pipeline/redis-store.js';
import { EVENTS_PER_PAGE_MAX, generateWorkspace, LISTABLE_EVENT_AGE_SEC, SEARCH_PER_PAGE_MAX, startSandbox } from '../../../src/sandbox/index.js';
import type { SandboxWorkspace } from '../../../src/sandbox/types.js';
import { lastMonth, limiterRate, machineCpuSeconds, pacedFigures, round, runDistributed, type PacedRun } from '../../support/bench-distributed-run.js';
import { minimumCalls } from '../../support/bench-month-minimum.js';
import { spawnBenchProcess, stopBenchProcess, tail, usageOf, waitForExit } from '../../support/bench-month-spawn.js';
import { measureMemoryStoreCost, measureRedisStoreCost } from '../../support/bench-scale-store.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SEED = 1;
const LEAD_SHARE = 0.6;
const ALLOWANCE_PER_WINDOW = Number(process.env.SCALE_ALLOWANCE ?? 9_000);
const PACE: PacedRun = { allowancePerWindow: ALLOWANCE_PER_WINDOW, windowSeconds: 10, share: 0.9 };
const WORKERS = 4;
const WORKER_CONCURRENCY = 8;
const BASE_CONTACTS = 1_000;

/** SHA-256 over the month's CSV files, by name. */
async function reportsDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.csv')).sort()) {
    hash.update(name).update(await readFile(join(dir, name)));
  }
  return hash.digest('hex');
}

interface SingleRun {
  row: BenchRow;
  rssBytes: number;
  digest: string;
}

/** `cohort-reports run --month M` as one process against `workspace`. */
async function runSingle(ctx: BenchContext, workspace: SandboxWorkspace, month: string, minCalls: number, listed: number): Promise<SingleRun> {
  const sandbox = await startSandbox({ workspace, rateLimit: { allowancePerWindow: PACE.allowancePerWindow, windowSeconds: PACE.windowSeconds } });
  const workDir = await mkdtemp(join(tmpdir(), 'bench-scale-run-'));
  const outDir = join(workDir, 'reports');
  const lowerBoundS = minCalls / limiterRate(PACE);
  let journalPeak = 0;
  const samples: Array<[number, number]> = [];
  const sampler = setInterval(() => {
    samples.push([Date.now(), sandbox.counters.requests]);
    readdir(join(outDir, '.work'))
      .then((names) => Promise.all(names.map((n) => stat(join(outDir, '.work', n)).then((s) => s.size))))
      .then((sizes) => (journalPeak = Math.max(journalPeak, ...sizes)), () => {});
  }, 200);
  try {
    const cpu0 = await machineCpuSeconds();
    const p = spawnBenchProcess('run', 'src/cli/main.ts', ['run', '--month', month], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      INTERCOM_BASE_URL: sandbox.url,
      INTERCOM_TOKEN: sandbox.token,
      RATE_LIMIT_ALLOWANCE: String(PACE.allowancePerWindow),
      RATE_LIMIT_SHARE: String(PACE.share),
      COHORT_REPORTS_OUT: outDir,
      REPORT_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
    });
    const finished = await waitForExit(p, Math.max(300_000, lowerBoundS * 5_000));
    if (!finished) await stopBenchProcess(p, 'SIGTERM', 10_000);
    const exit = await p.exited;
    const cpuS = (await machineCpuSeconds()) - cpu0;
    if (!finished || exit.code !== 0) throw new Error(`scale: run over ${workspace.contacts.length} contacts did not finish cleanly:\n${tail(p)}`);
    const wallS = (exit.atMs - p.startedAtMs) / 1000;
    const rssBytes = (usageOf(p)?.maxRssKb ?? 0) * 1024;
    const row: BenchRow = {
      scenario: 'scale-run',
      contacts: workspace.contacts.length,
      listed_contacts: listed,
      allowance_per_window: PACE.allowancePerWindow,
      ...pacedFigures({ sandbox, pace: PACE, minCalls, wallS, cpuS, samples }),
      peak_rss_mb: round(rssBytes / 1024 / 1024, 1),
      journal_bytes_per_contact: Math.round(journalPeak / listed),
    };
    return { row, rssBytes, digest: await reportsDigest(join(outDir, month)) };
  } finally {
    clearInterval(sampler);
    await sandbox.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

export default async function scale(ctx: BenchContext): Promise<BenchRow[]> {
  const sizes = ctx.quick ? [100_000] : [100_000, 1_000_000];
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  const { month, fetchFromSec } = lastMonth(nowMs);
  const minimumOf = (ws: SandboxWorkspace) =>
    minimumCalls(ws, { fetchFromSec, cutoffMs: nowMs - LISTABLE_EVENT_AGE_SEC * 1000, eventsPerPage: EVENTS_PER_PAGE_MAX, searchPerPage: SEARCH_PER_PAGE_MAX });
  const rows: BenchRow[] = [];

  const baseWs = generateWorkspace({ contacts: BASE_CONTACTS, seed: SEED, nowSec, leadShare: LEAD_SHARE });
  const baseMin = minimumOf(baseWs);
  const base = await runSingle(ctx, baseWs, month, baseMin.total, baseMin.uniqueContacts);
  ctx.log(`scale: base run over ${BASE_CONTACTS} contacts: peak RSS ${base.row.peak_rss_mb} MB`);

  for (const contacts of sizes) {
    const genStart = Date.now();
    const heap0 = process.memoryUsage().heapUsed;
    const workspace = generateWorkspace({ contacts, seed: SEED, nowSec, leadShare: LEAD_SHARE });
    const genS = (Date.now() - genStart) / 1000;
    const sandboxHeapMb = round((process.memoryUsage().heapUsed - heap0) / 1024 / 1024, 0);
    const minimum = minimumOf(workspace);
    const leads = workspace.segments.find((s) => s.name === 'All leads')?.count ?? 0;
    ctx.log(`scale: ${contacts} contacts generated in ${genS.toFixed(1)} s (~${sandboxHeapMb} MB of heap), ${leads} in All leads; ${minimum.uniqueContacts} listed, minimum ${minimum.total} calls`);

    if (contacts === 100_000) {
      const plan = planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false });
      const redisCost = await measureRedisStoreCost(workspace, plan, (store) => (store as RedisStore).release('{}'));
      const memoryCost = await measureMemoryStoreCost(workspace, plan);
      rows.push({
        scenario: 'scale-store',
        contacts,
        listed_contacts: redisCost.listed,
        redis_bytes_per_contact: redisCost.bytesPerContact,
        redis_by_family: Object.entries(redisCost.families)
          .filter(([, b]) => b > 0)
          .map(([f, b]) => `${f} ${b}`)
          .join(', '),
        redis_released_bytes_per_contact: redisCost.releasedBytesPerContact,
        memory_store_heap_bytes_per_contact: memoryCost.heapBytesPerContact,
        journal_bytes_per_contact: memoryCost.journalBytesPerContact,
      });
    }

    let workersDigest = '';
    const sandbox = await startSandbox({ workspace, rateLimit: { allowancePerWindow: PACE.allowancePerWindow, windowSeconds: PACE.windowSeconds } });
    try {
      const row = await runDistributed(ctx, {
        label: 'scale-workers',
        sandbox,
        month,
        ...PACE,
        workers: WORKERS,
        concurrency: WORKER_CONCURRENCY,
        minCalls: minimum.total,
        listedContacts: minimum.uniqueContacts,
        onReports: async (outDir) => {
          workersDigest = await reportsDigest(join(outDir, month));
        },
      });
      rows.push({ ...row, contacts, sandbox_generate_s: round(genS, 1), sandbox_heap_mb: sandboxHeapMb });
      ctx.log(`scale: workers over ${contacts}: ${JSON.stringify(row)}`);
    } finally {
      await sandbox.close();
    }

    const single = await runSingle(ctx, workspace, month, minimum.total, minimum.uniqueContacts);
    rows.push({
      ...single.row,
      base_rss_mb: round(base.rssBytes / 1024 / 1024, 1),
      rss_bytes_per_contact: Math.round((single.rssBytes - base.rssBytes) / minimum.uniqueContacts),
      csv_identical: single.digest === workersDigest,
    });
    ctx.log(`scale: run over ${contacts}: ${JSON.stringify(rows[rows.length - 1])}`);
  }
  return rows;
}
