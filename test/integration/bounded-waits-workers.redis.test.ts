/**
 * In a deployment (real Redis, real BullMQ, real worker processes), no pause a server asks for outlives
 * the maximum (MAX_PAUSE_MS): not the queue-wide pause of worker.rateLimit, not the shared limiter's
 * pause key, not one left in Redis by an older version; `status` shows a pause while it lasts; and a
 * month enqueued against a server that answers one 429 with `Retry-After: 31536000` finishes, with
 * every figure right, within a bounded time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capQueuePause } from '../../jobs/cap-queue-pause.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { mapJobError } from '../../jobs/map-job-error.js';
import { readRateLimitPause } from '../../jobs/read-rate-limit-pause.js';
import { RateLimitedError } from '../../src/intercom/errors.js';
import { MAX_PAUSE_MS } from '../../src/rate-limit/max-pause.js';
import { rateLimitKeys } from '../../src/rate-limit/rate-limit-keys.js';
import { createRedisLimiter, DEFAULT_BUCKET_NAME } from '../../src/rate-limit/redis-limiter.js';
import { runCli } from '../support/e2e-cli.js';
import { expectedReports, lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { enqueueMonth, openTestQueue, waitForRunJob, type TestQueue } from '../support/faults-distributed.js';
import { diffFromIndependentReference, readRunOutput } from '../support/faults-reports.js';
import { faultConfig, pastClockMs } from '../support/faults-setup.js';
import { spawnFaultWorker, stopFaultWorkers } from '../support/faults-workers.js';
import { workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { redisUrl, useTestRedis } from '../support/redis.js';

const YEAR_MS = 31_536_000_000;
const { redis, prefix } = useTestRedis();

describe('pauses kept in Redis (production maximum, 60 s)', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });

  function queueOf(p: string): Queue {
    const queue = new Queue(QUEUE_NAME, { connection: redis().duplicate(), prefix: bullPrefix(p) });
    opened.push(queue);
    return queue;
  }

  it("a year-long Retry-After reaching worker.rateLimit pauses the queue for at most 60 s, and status shows the pause", async () => {
    const p = prefix('bounded-waits');
    const queue = queueOf(p);
    const worker = new Worker(QUEUE_NAME, async () => {}, { connection: redis().duplicate(), prefix: bullPrefix(p), autorun: false });
    opened.push(worker);
    const err = new RateLimitedError('Intercom events answered HTTP 429', { endpoint: 'events', status: 429, retryAfterMs: YEAR_MS });
    const beforeMs = Date.now();
    const mapped = await mapJobError(err, worker);
    expect((mapped as Error).name).toBe('RateLimitError');

    const ttlMs = await redis().pttl(queue.keys.limiter!);
    expect(ttlMs).toBeGreaterThan(MAX_PAUSE_MS - 5_000);
    expect(ttlMs).toBeLessThanOrEqual(MAX_PAUSE_MS);
    const untilMs = await readRateLimitPause(queue, redis(), p, Date.now());
    expect(untilMs).not.toBeNull();
    expect(untilMs!).toBeLessThanOrEqual(Date.now() + MAX_PAUSE_MS);
    expect(untilMs!).toBeGreaterThan(beforeMs);

    // The real command reads it from Redis: one line for people, a field for scripts.
    const env = { REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: p };
    const human = await runCli(['status'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^paused by the API's rate limit until \d\d:\d\d:\d\d$/m);
    const json = await runCli(['status', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const pausedUntil = (JSON.parse(json.stdout) as { pausedUntil: string | null }).pausedUntil;
    expect(pausedUntil).not.toBeNull();
    expect(Date.parse(pausedUntil!)).toBeLessThanOrEqual(Date.now() + MAX_PAUSE_MS);
  }, 30_000);

  it('status says nothing of a pause when there is none', async () => {
    const p = prefix('bounded-waits');
    const queue = queueOf(p);
    expect(await readRateLimitPause(queue, redis(), p, Date.now())).toBeNull();
  });

  it('a year-long pause left by an older version is cut to 60 s when a worker starts (capQueuePause)', async () => {
    const p = prefix('bounded-waits');
    const queue = queueOf(p);
    // What worker.rateLimit(31536000000) wrote before the bound.
    await redis().set(queue.keys.limiter!, String(Number.MAX_SAFE_INTEGER), 'PX', YEAR_MS);
    expect(await capQueuePause(queue, redis())).toBe(MAX_PAUSE_MS);
    const ttlMs = await redis().pttl(queue.keys.limiter!);
    expect(ttlMs).toBeGreaterThan(MAX_PAUSE_MS - 5_000);
    expect(ttlMs).toBeLessThanOrEqual(MAX_PAUSE_MS);
  });

  it("the shared limiter's pause key and frozen bucket last at most 60 s after a year-long Retry-After", async () => {
    const p = prefix('bounded-waits');
    const limiter = createRedisLimiter({ redis: redis(), keyPrefix: p, settings: { allowancePerWindow: 200, windowSeconds: 10, share: 0.9 } });
    opened.push(limiter);
    await limiter.take();
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: Math.floor(Date.now() / 1000) + 31_536_000, retryAfterSec: 31_536_000 });
    const [bucketKey, pauseKey] = rateLimitKeys(p, DEFAULT_BUCKET_NAME).keys;
    const pauseTtlMs = await redis().pttl(pauseKey);
    expect(pauseTtlMs).toBeGreaterThan(MAX_PAUSE_MS - 5_000);
    expect(pauseTtlMs).toBeLessThanOrEqual(MAX_PAUSE_MS);
    const [seconds, micros] = await redis().time();
    const redisNowMs = Number(seconds) * 1000 + Number(micros) / 1000;
    expect(Number(await redis().get(pauseKey))).toBeLessThanOrEqual(redisNowMs + MAX_PAUSE_MS);
    expect(Number(await redis().hget(bucketKey, 'updatedAtMs'))).toBeLessThanOrEqual(redisNowMs + MAX_PAUSE_MS);
  });
});

describe('a distributed month against a server that asks for a year-long pause', () => {
  const CONTACTS = 150;
  const MAX_PAUSE_CONFIGURED_MS = 1_500;
  const ALLOWANCE = 20_000;
  let sb: E2eSandbox;
  let tmp: string;
  let tq: TestQueue;
  let p: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sb = await startE2eSandbox({ contacts: CONTACTS, seed: 44, eventsPerPage: 20, allowance: ALLOWANCE, clockMs: pastClockMs() });
    tmp = await mkdtemp(join(tmpdir(), 'bounded-waits-workers-'));
  });

  afterAll(async () => {
    await stopFaultWorkers();
    await tq?.close();
    await sb?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('finishes with every figure right within a bounded time, and no pause in Redis outlasts the maximum', async () => {
    p = prefix('bounded-waits-run');
    const configPath = join(tmp, 'config.json');
    const config = faultConfig({ searchPerPage: 40, contactsPerJob: 10 });
    await writeFile(configPath, JSON.stringify({ ...config, rateLimit: { windowSeconds: 1, maxPauseMs: MAX_PAUSE_CONFIGURED_MS } }));
    const env = workerEnvironment({ baseUrl: sb.sandbox.url, token: sb.sandbox.token, redisUrl: redisUrl(), prefix: p, outDir: join(tmp, 'out'), allowance: ALLOWANCE });
    sb.freshRun();
    workers.push(...(await Promise.all([1, 2].map(() => spawnFaultWorker(env, { concurrency: 4, configPath })))));
    tq = openTestQueue(redisUrl(), p);

    // After the workers' own start-up calls, the 12th request of the run is answered 429 with a year.
    sb.sandbox.setFaults({ retryAfter429: { afterRequests: sb.sandbox.counters.requests + 12, retryAfterSec: 31_536_000 } });
    const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    const nowSec = Math.floor(Date.now() / 1000);
    // The workers' own output (their COHORT_REPORTS_OUT above): no job names a folder.
    const outDir = join(tmp, 'out');
    const { jobId } = await enqueueMonth(tq, p, { month, nowSec });

    // Every pause key of the deployment, sampled while the run goes on: none may outlast the maximum.
    const queueLimiterKey = tq.queue.keys.limiter!;
    const limiterPauseKey = rateLimitKeys(p, DEFAULT_BUCKET_NAME).keys[1];
    let longestPauseMs = -2;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [a, b] = await Promise.all([tq.redis.pttl(queueLimiterKey), tq.redis.pttl(limiterPauseKey)]);
        longestPauseMs = Math.max(longestPauseMs, a, b);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    let state: string;
    try {
      state = await waitForRunJob(tq, jobId, () => workers, 60_000);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(state).toBe('completed');
    expect(sb.sandbox.counters.faultsInjected.retryAfter429).toBe(1);
    // The pause was seen in Redis, and no longer than the configured maximum.
    expect(longestPauseMs).toBeGreaterThan(0);
    expect(longestPauseMs).toBeLessThanOrEqual(MAX_PAUSE_CONFIGURED_MS);

    const output = await readRunOutput(outDir, [month]);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(diffFromIndependentReference(output, expected)).toEqual([]);
    expect(output.rawManifests.get(month)!.totals.responses_429).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
