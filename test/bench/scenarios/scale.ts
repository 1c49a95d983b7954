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
 * Conversations (report.conversations) are on, as the run's default. At 100,000 contacts each run is
 * made twice, with them on and off (a --config file `{ "report": { "conversations": false } }`), so
 * the new figures stand beside today's: the same scenario run twice, not the conversation keys
 * accounted apart (scale-store shows them as a key family of their own as well). min_calls and the
 * bound count every call of the run's setting: with conversations on, the access probe and the
 * month's conversation pages (bench-month-minimum.ts); conversation_calls is what the sandbox counted.
 *
 * Rows (each with `conversations` on or off):
 * - scale-workers: see test/support/bench-distributed-run.ts; redis_bytes_per_contact is the sampled
 *   peak above the baseline per listed contact, redis_end_bytes_per_contact what is left once the
 *   run's reports are written (the store released).
 * - scale-run: wall (spawn → exit) against the same bound, calls, 429s; startup_s (spawn → first
 *   request) and finish_s (last request → exit), from 200 ms samples; when the conversation pages were
 *   listed against the other calls (conversation_tail_s: bench-watch-conversations.ts); run_cpu_s, and
 *   other_cpu_busy: the machine's CPU charged neither to the run nor to this process (the sandbox),
 *   over wall × cores — other jobs on a shared machine, which lengthen the wall; peak_rss_mb, and
 *   rss_bytes_per_contact = (peak RSS − the peak RSS of a `run` over BASE_CONTACTS contacts) / listed
 *   contacts; journal_bytes_per_contact: the resume journal's largest size (sampled every 200 ms; it
 *   is removed once the reports are written) per listed contact; csv_identical: its CSVs and the
 *   workers', byte for byte.
 * - scale-store (100k): the store-level cost per listed contact (test/support/bench-scale-store.ts):
 *   Redis bytes by key family at the end of collection and after release, the memory store's heap,
 *   its journal.
 * - scale-conversations (100k): the two settings side by side: the conversation calls made and their
 *   minimum (n per month, the padding), wall_ratio of workers and run, Redis bytes per contact (the
 *   workers' sampled peak and the store's), journal bytes per contact (the run's and the store's),
 *   the memory store's heap, each off / on / the difference.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRun } from '../../../src/pipeline/plan-run.js';
import type { RedisStore } from '../../../src/pipeline/redis-store.js';
import { EVENTS_PER_PAGE_MAX, generateWorkspace, LISTABLE_EVENT_AGE_SEC, SEARCH_PER_PAGE_MAX, startSandbox } from '../../../src/sandbox/index.js';
import type { SandboxWorkspace } from '../../../src/sandbox/types.js';
import { lastMonth, limiterRate, machineCpuSeconds, pacedFigures, round, runDistributed, type PacedRun } from '../../support/bench-distributed-run.js';
import { minimumCalls, type MinimumCalls } from '../../support/bench-month-minimum.js';
import { spawnBenchProcess, stopBenchProcess, tail, usageOf, waitForExit } from '../../support/bench-month-spawn.js';
import { measureMemoryStoreCost, measureRedisStoreCost } from '../../support/bench-scale-store.js';
import { watchConversationCalls } from '../../support/bench-watch-conversations.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SEED = 1;
const LEAD_SHARE = 0.6;
const ALLOWANCE_PER_WINDOW = Number(process.env.SCALE_ALLOWANCE ?? 9_000);
const PACE: PacedRun = { allowancePerWindow: ALLOWANCE_PER_WINDOW, windowSeconds: 10, share: 0.9 };
const WORKERS = 4;
const WORKER_CONCURRENCY = 8;
const BASE_CONTACTS = 1_000;
/** Where both settings are measured side by side. */
const COMPARED_CONTACTS = 100_000;

/** One configuration of the runs: conversations on (the default) or off, and the CLI arguments that say so. */
interface Setting {
  conversations: boolean;
  args: string[];
}

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

/** `cohort-reports run --month M` as one process against `workspace`, in `setting`. */
async function runSingle(workspace: SandboxWorkspace, month: string, minimum: MinimumCalls, setting: Setting): Promise<SingleRun> {
  const minCalls = minimum.total;
  const listed = minimum.uniqueContacts;
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
    const ownCpu0 = process.cpuUsage();
    const conversationWatch = watchConversationCalls(sandbox);
    const p = spawnBenchProcess('run', 'src/cli/main.ts', ['run', '--month', month, ...setting.args], {
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
    const ownCpu = process.cpuUsage(ownCpu0);
    const conversationTiming = conversationWatch.stop();
    if (!finished || exit.code !== 0) throw new Error(`scale: run over ${workspace.contacts.length} contacts did not finish cleanly:\n${tail(p)}`);
    const wallS = (exit.atMs - p.startedAtMs) / 1000;
    // From the 200 ms samples: when the sandbox saw the first request, and when the count last grew.
    const total = sandbox.counters.requests;
    const firstRequestMs = samples.find(([, n]) => n > 0)?.[0] ?? null;
    const lastRequestMs = samples.find(([, n]) => n === total)?.[0] ?? null;
    const usage = usageOf(p);
    const rssBytes = (usage?.maxRssKb ?? 0) * 1024;
    // CPU of the machine not charged to the sandbox (this process) or the run: other jobs on a shared machine.
    const runCpuS = usage === null ? 0 : (usage.cpuUserUs + usage.cpuSystemUs) / 1e6;
    const otherCpuS = Math.max(0, cpuS - (ownCpu.user + ownCpu.system) / 1e6 - runCpuS);
    const row: BenchRow = {
      scenario: 'scale-run',
      conversations: setting.conversations ? 'on' : 'off',
      contacts: workspace.contacts.length,
      listed_contacts: listed,
      allowance_per_window: PACE.allowancePerWindow,
      ...pacedFigures({ sandbox, pace: PACE, minimum, wallS, cpuS, samples }),
      startup_s: firstRequestMs === null ? null : round((firstRequestMs - p.startedAtMs) / 1000),
      finish_s: lastRequestMs === null ? null : round((exit.atMs - lastRequestMs) / 1000),
      ...conversationTiming,
      run_cpu_s: round(runCpuS, 1),
      other_cpu_busy: round(otherCpuS / (wallS * availableParallelism()), 3),
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

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** off / on / on − off of one figure, as three columns named after it. */
function sideBySide(name: string, off: unknown, on: unknown): Record<string, number | null> {
  const a = num(off);
  const b = num(on);
  return { [`${name}_off`]: a, [`${name}_on`]: b, [`${name}_delta`]: a === null || b === null ? null : round(b - a, 3) };
}

export default async function scale(ctx: BenchContext): Promise<BenchRow[]> {
  const sizes = ctx.quick ? [COMPARED_CONTACTS] : [COMPARED_CONTACTS, 1_000_000];
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  const { month, fetchFromSec } = lastMonth(nowMs);
  const configDir = await mkdtemp(join(tmpdir(), 'bench-scale-config-'));
  const offConfig = join(configDir, 'conversations-off.json');
  await writeFile(offConfig, JSON.stringify({ report: { conversations: false } }));
  const on: Setting = { conversations: true, args: [] };
  const off: Setting = { conversations: false, args: ['--config', offConfig] };
  const minimumOf = (ws: SandboxWorkspace, setting: Setting): MinimumCalls =>
    minimumCalls(ws, {
      fetchFromSec,
      cutoffMs: nowMs - LISTABLE_EVENT_AGE_SEC * 1000,
      eventsPerPage: EVENTS_PER_PAGE_MAX,
      searchPerPage: SEARCH_PER_PAGE_MAX,
      // The runs report in UTC (REPORT_TIMEZONE).
      conversations: setting.conversations ? { months: [month], timeZone: 'UTC' } : null,
    });
  const rows: BenchRow[] = [];

  try {
    const baseWs = generateWorkspace({ contacts: BASE_CONTACTS, seed: SEED, nowSec, leadShare: LEAD_SHARE });
    const baseRss = new Map<Setting, number>();
    for (const setting of [on, off]) {
      const base = await runSingle(baseWs, month, minimumOf(baseWs, setting), setting);
      baseRss.set(setting, base.rssBytes);
      ctx.log(`scale: base run over ${BASE_CONTACTS} contacts, conversations ${setting.conversations ? 'on' : 'off'}: peak RSS ${base.row.peak_rss_mb} MB`);
    }

    for (const contacts of sizes) {
      const genStart = Date.now();
      const heap0 = process.memoryUsage().heapUsed;
      const workspace = generateWorkspace({ contacts, seed: SEED, nowSec, leadShare: LEAD_SHARE });
      const genS = (Date.now() - genStart) / 1000;
      const sandboxHeapMb = round((process.memoryUsage().heapUsed - heap0) / 1024 / 1024, 0);
      const leads = workspace.segments.find((s) => s.name === 'All leads')?.count ?? 0;
      const settings = contacts === COMPARED_CONTACTS ? [on, off] : [on];
      const minimumBy = new Map(settings.map((setting) => [setting, minimumOf(workspace, setting)]));
      const minimumOn = minimumBy.get(on)!;
      ctx.log(
        `scale: ${contacts} contacts generated in ${genS.toFixed(1)} s (~${sandboxHeapMb} MB of heap), ${leads} in All leads; ${minimumOn.uniqueContacts} listed, ` +
          `minimum ${minimumOn.total} calls with conversations (${minimumOn.conversationCalls} conversations searches: 1 probe + ` +
          `${minimumOn.conversationMonths.map((m) => `${m.pages} pages for ${m.inWindow} conversations in ${m.month} ± ${minimumOn.conversationPaddingDays} days`).join(', ')})` +
          (minimumBy.has(off) ? `, ${minimumBy.get(off)!.total} without` : ''),
      );

      const byKind = new Map<string, BenchRow>();
      const keyOf = (kind: string, setting: Setting): string => `${kind}:${setting.conversations ? 'on' : 'off'}`;
      if (contacts === COMPARED_CONTACTS) {
        const plan = planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false });
        for (const setting of settings) {
          const redisCost = await measureRedisStoreCost(workspace, plan, setting, (store) => (store as RedisStore).release('{}'));
          const memoryCost = await measureMemoryStoreCost(workspace, plan, setting);
          const row: BenchRow = {
            scenario: 'scale-store',
            conversations: setting.conversations ? 'on' : 'off',
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
          };
          rows.push(row);
          byKind.set(keyOf('store', setting), row);
          ctx.log(`scale: store over ${contacts}: ${JSON.stringify(row)}`);
        }
      }

      for (const setting of settings) {
        const minimum = minimumBy.get(setting)!;
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
            minimum,
            args: setting.args,
            onReports: async (outDir) => {
              workersDigest = await reportsDigest(join(outDir, month));
            },
          });
          const full: BenchRow = { ...row, contacts, sandbox_generate_s: round(genS, 1), sandbox_heap_mb: sandboxHeapMb };
          rows.push(full);
          byKind.set(keyOf('workers', setting), full);
          ctx.log(`scale: workers over ${contacts}: ${JSON.stringify(full)}`);
        } finally {
          await sandbox.close();
        }

        const single = await runSingle(workspace, month, minimum, setting);
        const base = baseRss.get(setting)!;
        const full: BenchRow = {
          ...single.row,
          base_rss_mb: round(base / 1024 / 1024, 1),
          rss_bytes_per_contact: Math.round((single.rssBytes - base) / minimum.uniqueContacts),
          csv_identical: single.digest === workersDigest,
        };
        rows.push(full);
        byKind.set(keyOf('run', setting), full);
        ctx.log(`scale: run over ${contacts}: ${JSON.stringify(full)}`);
      }

      if (settings.length === 2) {
        const pick = (kind: string, column: string): [unknown, unknown] => [byKind.get(keyOf(kind, off))?.[column], byKind.get(keyOf(kind, on))?.[column]];
        const summary: BenchRow = {
          scenario: 'scale-conversations',
          contacts,
          listed_contacts: minimumOn.uniqueContacts,
          conversation_padding_days: minimumOn.conversationPaddingDays,
          conversations_in_window_by_month: byKind.get(keyOf('run', on))?.conversations_in_window_by_month ?? null,
          min_conversation_calls: minimumOn.conversationCalls,
          workers_conversation_calls: byKind.get(keyOf('workers', on))?.conversation_calls ?? null,
          run_conversation_calls: byKind.get(keyOf('run', on))?.conversation_calls ?? null,
          ...sideBySide('min_calls', minimumBy.get(off)!.total, minimumOn.total),
          ...sideBySide('workers_wall_ratio', ...pick('workers', 'wall_ratio')),
          ...sideBySide('run_wall_ratio', ...pick('run', 'wall_ratio')),
          ...sideBySide('workers_redis_bytes_per_contact', ...pick('workers', 'redis_bytes_per_contact')),
          ...sideBySide('run_journal_bytes_per_contact', ...pick('run', 'journal_bytes_per_contact')),
          ...sideBySide('run_rss_bytes_per_contact', ...pick('run', 'rss_bytes_per_contact')),
          ...sideBySide('store_redis_bytes_per_contact', ...pick('store', 'redis_bytes_per_contact')),
          ...sideBySide('store_journal_bytes_per_contact', ...pick('store', 'journal_bytes_per_contact')),
          ...sideBySide('store_memory_heap_bytes_per_contact', ...pick('store', 'memory_store_heap_bytes_per_contact')),
        };
        rows.push(summary);
        ctx.log(`scale: conversations off / on over ${contacts}: ${JSON.stringify(summary)}`);
      }
    }
    return rows;
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
