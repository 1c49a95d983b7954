/**
 * One month run by `cohort-reports worker` processes sharing a redis-server of their own (see
 * bench-redis-server.ts), against a sandbox the caller started: what the load and scale benchmarks
 * measure. Figures (the sandbox's counters are the source for calls and 429s):
 * - lower_bound_s = min_calls / (allowance × share / window), min_calls counting every call the run
 *   makes (bench-month-minimum.ts: with conversations on, the access probe and each month's
 *   conversation pages too; the conversation_* columns show them beside what the sandbox counted under
 *   'conversations.search'); wall_s: from the run job being queued
 *   to its reports being written (BullMQ timestamp → finishedOn); wall_ratio = wall_s / lower_bound_s.
 * - conversation_*_s, last_other_call_s: when the conversation pages were listed, against the other
 *   calls (bench-watch-conversations.ts).
 * - busiest_window: the most requests one server window received ÷ the allowance (≤ share expected).
 * - mid_rate_ratio: requests/s between the 10th and 90th percentile of the run's requests ÷ the
 *   limiter's rate (≈ 1: the limiter binds; well below with cpu_busy ≈ 1: the cores bind).
 * - redis_*: INFO used_memory: baseline before the run, sampled peak (every 500 ms), end (after the
 *   run job completed, the store released); bytes per listed contact above the baseline.
 * - worker RSS (peak of each), cpu_busy (machine CPU over wall × cores, /proc/stat), contacts_ok:
 *   the manifest's unique_contacts equals the contacts the workspace lists.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import type { BenchContext, BenchRow } from '../bench/bench-types.js';
import { conversationColumns, type MinimumCalls } from './bench-month-minimum.js';
import { memoryByFamily, memoryInfo, startRedisServer } from './bench-redis-server.js';
import { watchConversationCalls } from './bench-watch-conversations.js';
import { spawnBenchProcess, stopBenchProcess, tail, usageOf, waitForOutput, type BenchProcess } from './bench-month-spawn.js';

const SAMPLE_MS = 500;
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** CPU seconds every process of the machine has used since boot (/proc/stat; 0 elsewhere). */
export async function machineCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const fields = (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (fields[i] ?? 0), 0) / 100;
}

/** The last complete UTC month before `nowMs`, and the first second of the month before it. */
export function lastMonth(nowMs: number): { month: string; fetchFromSec: number } {
  const now = new Date(nowMs);
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const month = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, fetchFromSec: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1) / 1000 };
}

export interface PacedRun {
  allowancePerWindow: number;
  windowSeconds: number;
  share: number;
}

export const limiterRate = (p: PacedRun): number => (p.allowancePerWindow * p.share) / p.windowSeconds;

/** Requests/s between the 10th and 90th percentile of the samples' requests. */
export function midRate(samples: Array<[atMs: number, requests: number]>): number | null {
  const total = samples[samples.length - 1]?.[1] ?? 0;
  const at = (share: number): [number, number] | undefined => samples.find(([, n]) => n >= total * share);
  const lo = at(0.1);
  const hi = at(0.9);
  return lo && hi && hi[0] > lo[0] ? ((hi[1] - lo[1]) * 1000) / (hi[0] - lo[0]) : null;
}

/**
 * The figures every paced run reports: calls and 429s (the sandbox's counters), the conversation
 * calls beside their minimum, wall against the bound (every call of the minimum counted), pace, CPU.
 */
export function pacedFigures(f: {
  sandbox: Sandbox;
  pace: PacedRun;
  minimum: MinimumCalls;
  wallS: number;
  cpuS: number;
  samples: Array<[number, number]>;
}): Record<string, string | number | null> {
  const { sandbox, pace } = f;
  const rate = limiterRate(pace);
  const minCalls = f.minimum.total;
  const lowerBoundS = minCalls / rate;
  const mid = midRate(f.samples);
  const busiest = Math.max(0, ...sandbox.counters.requestsByWindow.values());
  return {
    responses_429: sandbox.counters.responses429,
    api_calls: sandbox.counters.requests,
    min_calls: minCalls,
    calls_ratio: round(sandbox.counters.requests / minCalls, 4),
    ...conversationColumns(f.minimum, sandbox.counters.byEndpoint['conversations.search']),
    wall_s: round(f.wallS),
    lower_bound_s: round(lowerBoundS),
    wall_ratio: round(f.wallS / lowerBoundS, 3),
    busiest_window: round(busiest / pace.allowancePerWindow, 4),
    mid_rate_ratio: mid === null ? null : round(mid / rate, 3),
    cpu_busy: round(f.cpuS / (f.wallS * availableParallelism()), 3),
  };
}

export interface DistributedRunInput extends PacedRun {
  label: string;
  sandbox: Sandbox;
  month: string;
  workers: number;
  concurrency: number;
  /** The fewest calls and the contacts listed (bench-month-minimum.ts), for the workers' configuration. */
  minimum: MinimumCalls;
  /** Added to every worker's command line (e.g. a --config file). */
  args?: string[];
  /** Called with the reports folder once the run is done, before it is removed. */
  onReports?: (outDir: string) => Promise<void>;
}

export async function runDistributed(ctx: BenchContext, input: DistributedRunInput): Promise<BenchRow> {
  const { sandbox, label } = input;
  const rate = limiterRate(input);
  const lowerBoundS = input.minimum.total / rate;
  const listedContacts = input.minimum.uniqueContacts;
  const workDir = await mkdtemp(join(tmpdir(), `bench-${label}-`));
  const outDir = join(workDir, 'reports');
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const prefix = `bench-${label}-${randomUUID()}`;
  const queueConnection = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection, prefix: bullPrefix(prefix) });
  const workers: BenchProcess[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      INTERCOM_BASE_URL: sandbox.url,
      INTERCOM_TOKEN: sandbox.token,
      REDIS_URL: server.url,
      COHORT_REPORTS_PREFIX: prefix,
      COHORT_REPORTS_OUT: outDir,
      RATE_LIMIT_ALLOWANCE: String(input.allowancePerWindow),
      RATE_LIMIT_SHARE: String(input.share),
      REPORT_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
    };
    for (let i = 0; i < input.workers; i += 1) workers.push(spawnBenchProcess(`worker ${i + 1}`, 'src/cli/main.ts', ['worker', '--concurrency', String(input.concurrency), ...(input.args ?? [])], env));
    await Promise.all(workers.map((w) => waitForOutput(w, '"worker started"', 30_000)));

    const baseline = await memoryInfo(redis);
    let sampledPeak = baseline.used;
    let rssPeak = baseline.rss;
    const requestSamples: Array<[number, number]> = [];
    sandbox.resetCounters();
    const conversationWatch = watchConversationCalls(sandbox);
    timers.push(
      setInterval(() => {
        requestSamples.push([Date.now(), sandbox.counters.requests]);
        memoryInfo(redis).then(
          (m) => {
            sampledPeak = Math.max(sampledPeak, m.used);
            rssPeak = Math.max(rssPeak, m.rss);
          },
          () => {},
        );
      }, SAMPLE_MS),
    );
    const cpu0 = await machineCpuSeconds();
    const outcome = await enqueueRun(queue, { from: input.month, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false }, (runId) =>
      createRedisStore({ redis, prefix, runId }).clear(),
    );
    ctx.log(`${label}: queued ${outcome.jobId}; lower bound ${lowerBoundS.toFixed(1)} s at ${rate} requests/s`);
    const startedMs = Date.now();
    const deadline = startedMs + Math.max(600_000, lowerBoundS * 5_000);
    let state = await queue.getJobState(outcome.jobId);
    let lastLog = Date.now();
    while (state !== 'completed' && state !== 'failed') {
      if (Date.now() > deadline) throw new Error(`${label}: the run is still ${state} after ${(Date.now() - startedMs) / 1000} s:\n${workers.map((w) => tail(w, 1500)).join('\n')}`);
      if (Date.now() - lastLog > 30_000) {
        ctx.log(`${label}: ${state}, ${sandbox.counters.requests} requests so far, Redis ${mb((await memoryInfo(redis)).used)} MB`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 250));
      state = await queue.getJobState(outcome.jobId);
    }
    const cpuS = (await machineCpuSeconds()) - cpu0;
    for (const t of timers.splice(0)) clearInterval(t);
    const conversationTiming = conversationWatch.stop();
    const job = (await queue.getJob(outcome.jobId))!;
    if (state === 'failed') throw new Error(`${label}: the run failed: ${job.failedReason}`);
    const end = await memoryInfo(redis);
    sampledPeak = Math.max(sampledPeak, end.used);
    const endByFamily = await memoryByFamily(redis);
    const wallS = (job.finishedOn! - job.timestamp) / 1000;
    const manifest = JSON.parse(await readFile(join(outDir, input.month, 'manifest.json'), 'utf8')) as { totals: { unique_contacts: number } };

    await input.onReports?.(outDir);
    for (const w of workers) await stopBenchProcess(w, 'SIGTERM', 30_000);
    const rssMb = workers.map((w) => round((usageOf(w)?.maxRssKb ?? 0) / 1024, 1));
    return {
      scenario: label,
      listed_contacts: listedContacts,
      workers: input.workers,
      worker_concurrency: input.concurrency,
      allowance_per_window: input.allowancePerWindow,
      window_s: input.windowSeconds,
      share: input.share,
      ...pacedFigures({ sandbox, pace: input, minimum: input.minimum, wallS, cpuS, samples: requestSamples }),
      ...conversationTiming,
      redis_baseline_mb: mb(baseline.used),
      redis_peak_mb: mb(end.peak),
      redis_sampled_peak_mb: mb(sampledPeak),
      redis_peak_rss_mb: mb(rssPeak),
      redis_end_mb: mb(end.used),
      redis_bytes_per_contact: Math.round((sampledPeak - baseline.used) / listedContacts),
      redis_end_bytes_per_contact: Math.round((end.used - baseline.used) / listedContacts),
      redis_end_by_family: endByFamily,
      worker_peak_rss_mb: Math.max(...rssMb),
      worker_rss_each_mb: rssMb.join(' '),
      contacts_ok: manifest.totals.unique_contacts === listedContacts,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const w of workers) await stopBenchProcess(w, 'SIGKILL', 5_000);
    await queue.close();
    queueConnection.disconnect();
    redis.disconnect();
    server.child.kill('SIGKILL');
    await rm(workDir, { recursive: true, force: true });
  }
}
