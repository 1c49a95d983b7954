/**
 * The queue side of the distributed run, in process against real Redis: the job scheduler, idempotent
 * enqueueing, the scheduler's tick, and a permanent error failing the run without retries.
 */
import { TZDate } from '@date-fns/tz';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { runJobId, SCHEDULER_ID } from '../../jobs/job-types.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { startWorker, type WorkerHandle } from '../../jobs/start-worker.js';
import { upsertSchedule } from '../../jobs/upsert-schedule.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { waitForJobState } from '../support/jobs-workers.js';
import { openTestQueue } from '../support/teardown.js';

let redis: Redis;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  redis = createTestRedis();
});

afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

afterAll(async () => {
  await redis.quit();
});

/** The next 1st-of-month at hh:00 local time in `zone` after `nowMs`, computed with @date-fns/tz. */
function nextFirstOfMonthAt(hour: number, zone: string, nowMs: number): number {
  const local = new TZDate(nowMs, zone);
  for (let add = 0; add <= 1; add += 1) {
    const candidate = new TZDate(local.getFullYear(), local.getMonth() + add, 1, hour, 0, 0, zone).getTime();
    if (candidate > nowMs) return candidate;
  }
  throw new Error('unreachable');
}

describe('schedule', () => {
  it('upserting twice leaves exactly one job scheduler, its next run at the cron time of a non-UTC zone', async () => {
    const queue = openTestQueue(testPrefix('jobs-sched'), redis, cleanups);
    const zone = 'America/New_York';
    await upsertSchedule(queue, { cron: '0 3 1 * *', cronTimeZone: zone, reportTimeZone: 'Europe/Berlin' });
    const { nextMs } = await upsertSchedule(queue, { cron: '0 4 1 * *', cronTimeZone: zone, reportTimeZone: 'Europe/Berlin' });

    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual([SCHEDULER_ID]);
    expect(schedulers[0]!.pattern).toBe('0 4 1 * *');
    expect(schedulers[0]!.tz).toBe(zone);
    const expected = nextFirstOfMonthAt(4, zone, Date.now());
    expect(nextMs).toBe(expected);
    expect(schedulers[0]!.next).toBe(expected);
    // One pending scheduled job, not one per upsert.
    expect(await queue.getDelayedCount()).toBe(1);
  });
});

describe('enqueue', () => {
  it('a second enqueue of the same month while the first is live adds nothing', async () => {
    const prefix = testPrefix('jobs-enq');
    const queue = openTestQueue(prefix, redis, cleanups);
    const month = lastCompleteMonth(Date.now(), 'UTC');
    const input = { from: month, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false };
    const clear = (runId: string): Promise<void> => createRedisStore({ redis, prefix, runId }).clear();

    const first = await enqueueRun(queue, input, clear);
    const second = await enqueueRun(queue, input, clear);

    expect(first.kind).toBe('added');
    expect(second).toEqual({ kind: 'live', jobId: first.jobId, runId: first.runId, state: 'waiting' });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'waiting-children')).toBe(1);
  });

  it('refuses a month that has not ended before anything is queued', async () => {
    const prefix = testPrefix('jobs-enq');
    const queue = openTestQueue(prefix, redis, cleanups);
    const thisMonth = new Date().toISOString().slice(0, 7);
    await expect(
      enqueueRun(queue, { from: thisMonth, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false }, async () => {}),
    ).rejects.toMatchObject({ code: 'RUN_PLAN_INVALID' });
    expect(await queue.count()).toBe(0);
  });
});

describe('worker with a refused token', () => {
  let sandbox: Sandbox;
  let handle: WorkerHandle | null = null;

  beforeAll(async () => {
    sandbox = await startSandbox({ contacts: 50, seed: 3 });
  });
  afterEach(async () => {
    await handle?.drain(5_000);
    handle = null;
    sandbox.resetCounters();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function startTestWorker(prefix: string): Promise<WorkerHandle> {
    const { config } = loadConfig({
      env: { INTERCOM_BASE_URL: sandbox.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix },
      requireToken: false,
    });
    return startWorker({ config, token: sandbox.token, concurrency: 2, log: pino({ level: 'silent' }) });
  }

  it('fails the run with an UnrecoverableError after one attempt and one API call on 401', async () => {
    const prefix = testPrefix('jobs-401');
    const queue = openTestQueue(prefix, redis, cleanups);
    // The worker starts with a good token (it reads its workspace at start), which is then revoked.
    handle = await startTestWorker(prefix);
    const workerToken = sandbox.token;
    sandbox.setToken('wrong-token-0123456789');
    sandbox.resetCounters();
    const outcome = await enqueueRun(
      queue,
      { from: lastCompleteMonth(Date.now(), 'UTC'), timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false },
      async () => {},
    );

    expect(await waitForJobState(queue, outcome.jobId, ['completed', 'failed'], 20_000)).toBe('failed');
    const job = await queue.getJob(outcome.jobId);
    expect(job!.failedReason).toMatch(/^INTERCOM_AUTHENTICATION: /);
    expect(job!.failedReason).not.toContain(workerToken);
    expect(job!.attemptsMade).toBe(1);
    expect(job!.opts.attempts).toBeGreaterThan(1);
    // The one call is the run's first: the check that the token may read conversations.
    expect(sandbox.counters.byEndpoint['conversations.search']).toBe(1);
    expect(sandbox.counters.byEndpoint.segments + sandbox.counters.byEndpoint.tags).toBe(0);
  });

  it("a scheduler tick queues the run of the last complete month in the report zone", async () => {
    const prefix = testPrefix('jobs-tick');
    const queue = openTestQueue(prefix, redis, cleanups);
    handle = await startTestWorker(prefix);
    const zone = 'Pacific/Auckland';
    const tick = await queue.add('scheduled-run', { timeZone: zone });

    expect(await waitForJobState(queue, tick.id!, ['completed', 'failed'], 20_000)).toBe('completed');
    const month = lastCompleteMonth(Date.now(), zone);
    const runId = `${month}_${month}_Pacific-Auckland`;
    const runJob = await queue.getJob(runJobId(runId));
    expect(runJob?.name).toBe('month-run');
    expect(runJob?.data.run).toMatchObject({ from: month, to: month, timeZone: zone });
  });
});
