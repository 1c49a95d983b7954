/**
 * load — a month run over a 100,000-contact sandbox workspace by 4 `cohort-reports worker` processes
 * (concurrency 8 each) sharing one Redis: a redis-server started for this run alone, on a free
 * loopback port with no persistence and `maxmemory-policy noeviction` (as production), so its
 * memory peak is this run's and nobody else's. --quick: 10,000 contacts.
 *
 * The allowance (6,000 requests per 10-second fixed window, share 0.9: 540 requests/s) is chosen so
 * the rate limit, not the two cores, should set the pace: the sandbox serves ~2,700 requests/s on
 * loopback when it has a core to itself, and here it shares two with four workers and Redis.
 * cpu_busy and mid_rate_ratio say which one bound.
 *
 * Figures:
 * - responses_429: 429s the sandbox sent (its counters); the target is 0.
 * - min_calls: the fewest calls the run can make, from the workspace's ground truth
 *   (test/support/bench-month-minimum.ts); api_calls: what the sandbox received.
 * - lower_bound_s = min_calls / (allowance × share / window); wall_s: from the run job being queued
 *   to its reports being written (BullMQ timestamp → finishedOn); wall_ratio = wall_s / lower_bound_s.
 * - busiest_window: the most requests one server window received ÷ the allowance (≤ share expected).
 * - mid_rate_ratio: requests/s between the 10th and 90th percentile of the run's requests ÷ the
 *   limiter's rate (≈ 1: the limiter binds; well below with cpu_busy ≈ 1: the cores bind).
 * - redis_peak_mb: INFO used_memory_peak at the end (the server is new: this run's peak, baseline
 *   included); redis_sampled_peak_mb: the largest used_memory of samples every 500 ms;
 *   redis_baseline_mb before the run, redis_end_mb after it; redis_peak_rss_mb: used_memory_rss peak
 *   sampled; redis_bytes_per_contact = (sampled peak − baseline) / listed contacts.
 * - worker_peak_rss_mb (the largest of the four), cpu_busy (machine CPU over wall × cores, /proc/stat),
 *   contacts_ok: the manifest's unique_contacts equals the contacts the workspace lists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueueRun } from '../../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../../jobs/job-types.js';
import { createRedisStore } from '../../../src/pipeline/redis-store.js';
import { EVENTS_PER_PAGE_MAX, LISTABLE_EVENT_AGE_SEC, SEARCH_PER_PAGE_MAX, startSandbox } from '../../../src/sandbox/index.js';
import { minimumCalls } from '../../support/bench-month-minimum.js';
import { spawnBenchProcess, stopBenchProcess, tail, usageOf, waitForOutput, type BenchProcess } from '../../support/bench-month-spawn.js';
import type { BenchContext, BenchRow } from '../bench-types.js';
import { freePort } from '../../support/free-port.js';

const SEED = 1;
const ALLOWANCE_PER_WINDOW = 6_000;
const WINDOW_SECONDS = 10;
const SHARE = 0.9;
const WORKERS = 4;
const WORKER_CONCURRENCY = 8;
const SAMPLE_MS = 500;
const limiterRatePerSec = (ALLOWANCE_PER_WINDOW * SHARE) / WINDOW_SECONDS;
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** A redis-server for this run alone; resolves once it answers PING. */
async function startRedisServer(): Promise<{ url: string; child: ChildProcess; output(): string }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`cannot start redis-server (is it on PATH?): ${err.message}`))));
  failed.catch(() => {});
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      const ok = await Promise.race([probe.connect().then(() => probe.ping()).then((r) => r === 'PONG', () => false), failed]);
      if (ok) return { url, child, output: () => output };
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    probe.disconnect();
  }
}

async function memoryInfo(redis: Redis): Promise<{ used: number; peak: number; rss: number }> {
  const info = await redis.info('memory');
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), peak: field('used_memory_peak'), rss: field('used_memory_rss') };
}

/** CPU seconds every process of the machine has used since boot (/proc/stat; 0 elsewhere). */
async function machineCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const fields = (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (fields[i] ?? 0), 0) / 100;
}

/** The last complete UTC month before `nowMs`, and the first second of the month before it. */
function lastMonth(nowMs: number): { month: string; fetchFromSec: number } {
  const now = new Date(nowMs);
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const month = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, fetchFromSec: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1) / 1000 };
}

export default async function load(ctx: BenchContext): Promise<BenchRow[]> {
  const contacts = ctx.quick ? 10_000 : 100_000;
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  const { month, fetchFromSec } = lastMonth(nowMs);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  const outDir = join(workDir, 'reports');
  ctx.log(`load: generating ${contacts} contacts`);
  const sandbox = await startSandbox({ contacts, seed: SEED, nowSec, rateLimit: { allowancePerWindow: ALLOWANCE_PER_WINDOW, windowSeconds: WINDOW_SECONDS } });
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const prefix = `bench-load-${randomUUID()}`;
  const queueConnection = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection, prefix: bullPrefix(prefix) });
  const workers: BenchProcess[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const minimum = minimumCalls(sandbox.workspace, {
      fetchFromSec,
      cutoffMs: nowMs - LISTABLE_EVENT_AGE_SEC * 1000,
      // The client asks for 150 events per page, the most the sandbox serves.
      eventsPerPage: EVENTS_PER_PAGE_MAX,
      searchPerPage: SEARCH_PER_PAGE_MAX,
    });
    const lowerBoundS = minimum.total / limiterRatePerSec;
    ctx.log(`load: month ${month}, minimum ${minimum.total} calls for ${minimum.uniqueContacts} listed contacts; lower bound ${lowerBoundS.toFixed(1)} s at ${limiterRatePerSec} requests/s`);

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      INTERCOM_BASE_URL: sandbox.url,
      INTERCOM_TOKEN: sandbox.token,
      REDIS_URL: server.url,
      COHORT_REPORTS_PREFIX: prefix,
      COHORT_REPORTS_OUT: outDir,
      RATE_LIMIT_ALLOWANCE: String(ALLOWANCE_PER_WINDOW),
      RATE_LIMIT_SHARE: String(SHARE),
      REPORT_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
    };
    for (let i = 0; i < WORKERS; i += 1) workers.push(spawnBenchProcess(`worker ${i + 1}`, 'src/cli/main.ts', ['worker', '--concurrency', String(WORKER_CONCURRENCY)], env));
    await Promise.all(workers.map((w) => waitForOutput(w, '"worker started"', 30_000)));

    const baseline = await memoryInfo(redis);
    let sampledPeak = baseline.used;
    let rssPeak = baseline.rss;
    const requestSamples: Array<[number, number]> = [];
    sandbox.resetCounters();
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
    const outcome = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false }, (runId) =>
      createRedisStore({ redis, prefix, runId }).clear(),
    );
    ctx.log(`load: queued ${outcome.jobId}`);
    const deadline = Date.now() + Math.max(600_000, lowerBoundS * 5_000);
    let state = await queue.getJobState(outcome.jobId);
    let lastLog = Date.now();
    while (state !== 'completed' && state !== 'failed') {
      if (Date.now() > deadline) throw new Error(`load: the run is still ${state} after ${(deadline - nowMs) / 1000} s:\n${workers.map((w) => tail(w, 1500)).join('\n')}`);
      if (Date.now() - lastLog > 15_000) {
        ctx.log(`load: ${state}, ${sandbox.counters.requests} requests so far, Redis ${mb((await memoryInfo(redis)).used)} MB`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 250));
      state = await queue.getJobState(outcome.jobId);
    }
    const cpuS = (await machineCpuSeconds()) - cpu0;
    for (const t of timers.splice(0)) clearInterval(t);
    const job = (await queue.getJob(outcome.jobId))!;
    if (state === 'failed') throw new Error(`load: the run failed: ${job.failedReason}`);
    const end = await memoryInfo(redis);
    sampledPeak = Math.max(sampledPeak, end.used);
    const wallS = (job.finishedOn! - job.timestamp) / 1000;

    const total = requestSamples[requestSamples.length - 1]?.[1] ?? 0;
    const at = (share: number): [number, number] | undefined => requestSamples.find(([, n]) => n >= total * share);
    const lo = at(0.1);
    const hi = at(0.9);
    const midRate = lo && hi && hi[0] > lo[0] ? ((hi[1] - lo[1]) * 1000) / (hi[0] - lo[0]) : null;
    const busiest = Math.max(0, ...sandbox.counters.requestsByWindow.values());
    const manifest = JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as { totals: { unique_contacts: number } };

    for (const w of workers) await stopBenchProcess(w, 'SIGTERM', 30_000);
    const rssKb = workers.map((w) => usageOf(w)?.maxRssKb ?? 0);
    const row: BenchRow = {
      scenario: 'load',
      contacts,
      listed_contacts: minimum.uniqueContacts,
      workers: WORKERS,
      worker_concurrency: WORKER_CONCURRENCY,
      allowance_per_window: ALLOWANCE_PER_WINDOW,
      window_s: WINDOW_SECONDS,
      share: SHARE,
      responses_429: sandbox.counters.responses429,
      api_calls: sandbox.counters.requests,
      min_calls: minimum.total,
      calls_ratio: round(sandbox.counters.requests / minimum.total, 4),
      wall_s: round(wallS),
      lower_bound_s: round(lowerBoundS),
      wall_ratio: round(wallS / lowerBoundS, 3),
      busiest_window: round(busiest / ALLOWANCE_PER_WINDOW, 4),
      mid_rate_ratio: midRate === null ? null : round(midRate / limiterRatePerSec, 3),
      cpu_busy: round(cpuS / (wallS * availableParallelism()), 3),
      redis_baseline_mb: mb(baseline.used),
      redis_peak_mb: mb(end.peak),
      redis_sampled_peak_mb: mb(sampledPeak),
      redis_peak_rss_mb: mb(rssPeak),
      redis_end_mb: mb(end.used),
      redis_bytes_per_contact: Math.round((sampledPeak - baseline.used) / minimum.uniqueContacts),
      worker_peak_rss_mb: round(Math.max(...rssKb) / 1024, 1),
      contacts_ok: manifest.totals.unique_contacts === minimum.uniqueContacts,
    };
    return [row];
  } finally {
    for (const t of timers) clearInterval(t);
    for (const w of workers) await stopBenchProcess(w, 'SIGKILL', 5_000);
    await queue.close();
    queueConnection.disconnect();
    redis.disconnect();
    server.child.kill('SIGKILL');
    await sandbox.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
