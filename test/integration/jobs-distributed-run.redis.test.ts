/**
 * The distributed month run end to end: real worker processes (the CLI's `worker`), real Redis, the
 * real sandbox. The reference is the single-process run (collectRun + writeRunReports) over the same
 * workspace and plan; its per-contact and per-cursor call counts are what "each fetched once" means.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { FETCH_LANES } from '../../jobs/process-fetch-contacts.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { planRun, type RunPlan } from '../../src/pipeline/plan-run.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { type MonthRunData } from '../../jobs/job-types.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { killAllWorkers, killWorker, spawnWorker, waitForJobState, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { readReportFiles, runReference } from '../support/jobs-reference-run.js';
import { openTestQueue } from '../support/teardown.js';

const CONTACTS = 500;
const CONCURRENCY = 4;

let sandbox: Sandbox;
let redis: Redis;
let tmp: string;
let month: string;
let referenceFiles: Map<string, Buffer>;
let referenceEvents: Map<string, number>;
let referenceSearches: Map<string, number>;
const cleanups: Array<() => Promise<void>> = [];

function configFor(prefix: string, outDir: string, allowance: number): Readonly<Config> {
  return loadConfig({
    env: {
      INTERCOM_BASE_URL: sandbox.url,
      REDIS_URL: redisUrl(),
      COHORT_REPORTS_PREFIX: prefix,
      COHORT_REPORTS_OUT: outDir,
      RATE_LIMIT_ALLOWANCE: String(allowance),
    },
    requireToken: false,
  }).config;
}

/** Contacts listed by at least one cohort, from the sandbox's ground truth. */
function listedContacts(): Set<string> {
  const ids = new Set<string>();
  for (const members of sandbox.workspace.membersByCohort.values()) for (const id of members) ids.add(id);
  return ids;
}

beforeAll(async () => {
  const nowSec = Math.floor(Date.now() / 1000);
  sandbox = await startSandbox({ contacts: CONTACTS, seed: 7, nowSec });
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'jobs-distributed-'));
  month = lastCompleteMonth(Date.now(), 'UTC');
  const config = configFor(testPrefix('jobs-ref'), join(tmp, 'reference'), 20_000);
  const plan = planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false });
  await runReference({ config, token: sandbox.token, plan, outDir: join(tmp, 'reference') });
  referenceFiles = await readReportFiles(join(tmp, 'reference'), [month]);
  referenceEvents = new Map(sandbox.counters.eventsCallsByContact);
  referenceSearches = new Map(sandbox.counters.searchCallsByCursor);
  sandbox.resetCounters();
});

afterEach(async () => {
  await killAllWorkers();
  for (const clean of cleanups.splice(0)) await clean();
  sandbox.resetCounters();
});

afterAll(async () => {
  await killAllWorkers();
  await sandbox?.close();
  await redis?.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Calls beyond the reference's, summed over keys (a key the reference never called counts in full). */
function extraCalls(actual: Map<string, number>, reference: Map<string, number>): { keys: number; calls: number } {
  let keys = 0;
  let calls = 0;
  for (const [key, n] of actual) {
    const extra = n - (reference.get(key) ?? 0);
    if (extra > 0) {
      keys += 1;
      calls += extra;
    }
  }
  return { keys, calls };
}

async function enqueueMonth(queue: Queue, prefix: string): Promise<{ jobId: string; plan: RunPlan }> {
  const outcome = await enqueueRun(
    queue,
    { from: month, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false },
    (runId) => createRedisStore({ redis, prefix, runId }).clear(),
  );
  expect(outcome.kind).toBe('added');
  const job = await queue.getJob(outcome.jobId);
  const run = (job!.data as MonthRunData).run;
  return { jobId: outcome.jobId, plan: planRun({ from: run.from, timeZone: run.timeZone, nowSec: run.plannedAtSec, allowPartial: false }) };
}

describe('distributed month run', () => {
  it('three worker processes write CSVs byte-identical to the single-process run, fetching each contact once', async () => {
    const prefix = testPrefix('jobs-dist');
    const outDir = join(tmp, prefix);
    const queue = openTestQueue(prefix, redis, cleanups);
    const env = workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, outDir, allowance: 20_000 });
    const workers = await Promise.all([1, 2, 3].map(() => spawnWorker(env, CONCURRENCY)));

    const { jobId } = await enqueueMonth(queue, prefix);
    const state = await waitForJobState(queue, jobId, ['completed', 'failed'], 60_000, () => workers.map((w) => w.output()).join('\n'));
    expect(state, (await queue.getJob(jobId))?.failedReason).toBe('completed');

    const files = await readReportFiles(outDir, [month]);
    expect([...files.keys()]).toEqual([...referenceFiles.keys()]);
    for (const [name, bytes] of files) expect(bytes.equals(referenceFiles.get(name)!), `${name} differs`).toBe(true);

    const listed = listedContacts();
    expect(new Set(sandbox.counters.eventsCallsByContact.keys())).toEqual(listed);
    expect(sandbox.counters.eventsCallsByContact).toEqual(referenceEvents);
    expect(sandbox.counters.searchCallsByCursor).toEqual(referenceSearches);
  });

  it('after kill -9 of a worker mid-run and a restart, completes with identical output, repeating only in-flight work', async () => {
    const prefix = testPrefix('jobs-kill');
    const outDir = join(tmp, prefix);
    const queue = openTestQueue(prefix, redis, cleanups);
    // A slower shared allowance (90 calls/s) keeps the run going long enough to kill a worker mid-way.
    const env = workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, outDir, allowance: 1_000 });
    const workers: WorkerProcess[] = await Promise.all([1, 2, 3].map(() => spawnWorker(env, CONCURRENCY)));

    const { jobId, plan } = await enqueueMonth(queue, prefix);
    const store = createRedisStore({ redis, prefix, runId: plan.runId });
    const deadline = Date.now() + 30_000;
    while ((await store.progress()).contactsDone < 60) {
      if (Date.now() > deadline) throw new Error(`run made no progress:\n${workers.map((w) => w.output()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await store.progress();
    expect(before.contactsDone).toBeLessThan(listedContacts().size);
    await killWorker(workers[0]!);
    workers.push(await spawnWorker(env, CONCURRENCY));

    const state = await waitForJobState(queue, jobId, ['completed', 'failed'], 90_000, () => workers.map((w) => w.output()).join('\n'));
    expect(state, (await queue.getJob(jobId))?.failedReason).toBe('completed');

    const files = await readReportFiles(outDir, [month]);
    for (const [name, bytes] of files) expect(bytes.equals(referenceFiles.get(name)!), `${name} differs`).toBe(true);
    expect(new Set(sandbox.counters.eventsCallsByContact.keys())).toEqual(listedContacts());
    // The killed worker held at most CONCURRENCY jobs, each with at most FETCH_LANES contacts or one page in flight.
    const events = extraCalls(sandbox.counters.eventsCallsByContact, referenceEvents);
    const searches = extraCalls(sandbox.counters.searchCallsByCursor, referenceSearches);
    expect(events.keys + searches.keys).toBeLessThanOrEqual(CONCURRENCY * FETCH_LANES);
  });

  it('an idle worker drains and exits 0 on SIGTERM', async () => {
    const prefix = testPrefix('jobs-term');
    openTestQueue(prefix, redis, cleanups);
    const env = workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, outDir: join(tmp, prefix), allowance: 1_000 });
    const worker = await spawnWorker(env, 1);
    expect(await killWorker(worker, 'SIGTERM')).toBe(0);
    expect(worker.output()).toContain('"msg":"drained"');
  });
});
