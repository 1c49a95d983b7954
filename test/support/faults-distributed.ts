/**
 * The distributed side of the fault suites: the fault-free reference (the single-process run of
 * jobs-reference-run.ts, in this process, with the suites' configuration), enqueueing a month the way
 * `cohort-reports enqueue` does, and waiting for the run job to settle.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import type { RunProgress } from '../../src/pipeline/run-store.js';
import { enqueueRun, type EnqueueOutcome } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { runReference } from './jobs-reference-run.js';
import { waitForJobState, type WorkerProcess } from './jobs-workers.js';
import { workerOutputs } from './faults-workers.js';

export interface DistributedTarget {
  baseUrl: string;
  redisUrl: string;
  prefix: string;
  configPath: string;
  allowance: number;
}

/** The configuration the workers load (their --config file plus the environment workerEnvironment sets). */
export function workerConfig(target: DistributedTarget, outDir: string): Readonly<Config> {
  return loadConfig({
    configFile: target.configPath,
    env: {
      INTERCOM_BASE_URL: target.baseUrl,
      REDIS_URL: target.redisUrl,
      COHORT_REPORTS_PREFIX: target.prefix,
      COHORT_REPORTS_OUT: outDir,
      RATE_LIMIT_ALLOWANCE: String(target.allowance),
    },
    requireToken: false,
  }).config;
}

/** The fault-free single-process run of `month` planned at `nowSec`, written to `outDir`. */
export async function runFaultFreeReference(
  target: DistributedTarget,
  options: { token: string; month: string; nowSec: number; outDir: string },
): Promise<void> {
  const config = workerConfig(target, options.outDir);
  const plan = planRun({ from: options.month, timeZone: 'UTC', nowSec: options.nowSec, allowPartial: false });
  await runReference({ config, token: options.token, plan, outDir: options.outDir });
}

export interface TestQueue {
  queue: Queue;
  /** Store and counters connection (no retry limit: it waits out a Redis restart). */
  redis: Redis;
  close(): Promise<void>;
}

export function openTestQueue(redisUrl: string, prefix: string): TestQueue {
  const bull = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: bull, prefix: bullPrefix(prefix) });
  // While a test has Redis down on purpose, the connections retry quietly; their commands wait.
  const quiet = (): void => {};
  bull.on('error', quiet);
  redis.on('error', quiet);
  queue.on('error', quiet);
  return {
    queue,
    redis,
    async close() {
      await queue.close();
      bull.disconnect();
      redis.disconnect();
    },
  };
}

/**
 * Queues `month` as `cohort-reports enqueue --month` does (a completed run is replaced, a failed one
 * resumed). The reports go to the writing worker's own output (its COHORT_REPORTS_OUT): no job names a folder.
 */
export async function enqueueMonth(tq: TestQueue, prefix: string, options: { month: string; nowSec: number }): Promise<EnqueueOutcome> {
  return enqueueRun(
    tq.queue,
    { from: options.month, timeZone: 'UTC', nowSec: options.nowSec, allowPartial: false },
    (runId) => createRedisStore({ redis: tq.redis, prefix, runId }).clear(),
  );
}

export function runProgress(tq: TestQueue, prefix: string, runId: string): Promise<RunProgress> {
  return createRedisStore({ redis: tq.redis, prefix, runId }).progress();
}

/** Waits for the run job to complete or fail; the workers' last log lines go into a timeout's message. */
export async function waitForRunJob(tq: TestQueue, jobId: string, workers: () => readonly WorkerProcess[], timeoutMs = 60_000): Promise<string> {
  return waitForJobState(tq.queue, jobId, ['completed', 'failed'], timeoutMs, () => workerOutputs(workers()));
}
