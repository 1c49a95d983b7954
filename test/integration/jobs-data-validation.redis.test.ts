/**
 * Job data is validated where it is consumed: a real worker (startWorker, real Redis, a sandbox on
 * loopback) takes jobs added straight to the queue, as Bull Board's add, a script with Redis access or
 * an older version would, and
 * - never writes where a job's `outDir` says: the job is failed for good naming the field, the foreign
 *   folder's files are untouched, and the same month queued properly is written to the worker's own
 *   output (which `status` reports, from what the worker wrote);
 * - fails malformed data of every job name after one attempt, naming the job name and the field,
 *   before any call to the API;
 * - `status` lists such jobs rather than failing on them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun, RUN_JOB_OPTIONS } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME, runJobId, type PlannedRun } from '../../jobs/job-types.js';
import { startWorker, type WorkerHandle } from '../../jobs/start-worker.js';
import { loadConfig } from '../../src/config.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { RunStatus } from '../../src/cli/status-command.js';
import { runCli } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { waitForJobState } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { removeQueue } from '../support/teardown.js';

let redis: Redis;
let tmp: string;
let sandbox: Sandbox;
let prefix: string;
let queue: Queue;
let worker: WorkerHandle;
let workerOut: string;
let month: string;
let run: PlannedRun;

beforeAll(async () => {
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'jobs-data-validation-'));
  const nowSec = Math.floor(Date.now() / 1000);
  month = lastEndedMonth(nowSec, 'UTC');
  const plan = planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false });
  run = { runId: plan.runId, from: month, to: month, timeZone: 'UTC', allowPartial: false, plannedAtSec: nowSec };
  sandbox = await startSandbox({ contacts: 24, seed: 73, nowSec });
  prefix = testPrefix('jobs-data');
  workerOut = join(tmp, 'worker-out');
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  const { config } = loadConfig({
    env: { INTERCOM_BASE_URL: sandbox.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix, COHORT_REPORTS_OUT: workerOut },
    requireToken: false,
  });
  worker = await startWorker({ config, token: sandbox.token, concurrency: 4, log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await worker?.drain(5_000);
  await removeQueue(queue, redis, prefix);
  await sandbox?.close();
  await redis?.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every file under `dir` with its bytes. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path, await readFile(path, 'utf8'));
    }
  }
  return files;
}

/** Waits for the job to settle and returns it (failed or completed). */
async function settled(id: string, timeoutMs = 15_000): Promise<{ state: string; attemptsMade: number; failedReason: string | undefined; returnvalue: unknown }> {
  const state = await waitForJobState(queue, id, ['completed', 'failed'], timeoutMs);
  const job = (await queue.getJob(id))!;
  return { state, attemptsMade: job.attemptsMade, failedReason: job.failedReason, returnvalue: job.returnvalue };
}

const OUT_DIR_REFUSED = 'JOB_DATA_INVALID: month-run job data: outDir: not accepted (a worker writes only to its own report.outDir)';

describe('a job whose data names an output folder', () => {
  it('is failed for good, naming the field; the folder is untouched; the month queued properly goes to the worker\'s own output', async () => {
    const victim = join(tmp, 'victim');
    await mkdir(victim);
    await writeFile(join(victim, 'index.html'), '<p>sentinel index</p>\n');
    await writeFile(join(victim, 'run_results.json'), '{"sentinel":true}\n');
    const before = await snapshot(victim);
    sandbox.resetCounters();

    // As Bull Board's add or any Redis client: a well-formed run of a month that has ended, under the
    // run's own id and options, plus the folder to write to.
    const planted = await queue.add('month-run', { run, outDir: victim }, { ...RUN_JOB_OPTIONS, jobId: runJobId(run.runId) });
    // As the request to Bull Board: its own id, and nothing but the folder and a month.
    const byBoard = await queue.add('month-run', { outDir: victim, month }, { attempts: 3 });

    const p = await settled(planted.id!);
    expect(p).toMatchObject({ state: 'failed', attemptsMade: 1, failedReason: OUT_DIR_REFUSED });
    const b = await settled(byBoard.id!);
    expect(b).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(b.failedReason).toBe('JOB_DATA_INVALID: month-run job data: run: missing (expected object); outDir: not accepted (a worker writes only to its own report.outDir); month: unknown field');
    expect(sandbox.counters.requests).toBe(0);
    expect(await snapshot(victim)).toEqual(before);
    await expect(readdir(workerOut)).rejects.toMatchObject({ code: 'ENOENT' });

    // The same month, queued as enqueue does (it replaces the failed job): written where the worker writes.
    const outcome = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec: run.plannedAtSec, allowPartial: false }, (runId) =>
      createRedisStore({ redis, prefix, runId }).clear(),
    );
    expect(outcome).toMatchObject({ kind: 'replaced', previousState: 'failed' });
    const done = await settled(outcome.jobId, 30_000);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.returnvalue).toMatchObject({ outDir: workerOut, dirs: [join(workerOut, month)] });
    expect((await readdir(join(workerOut, month))).sort()).toContain('manifest.json');
    expect(await snapshot(victim)).toEqual(before);

    // status shows the folder the worker wrote, and lists the job added by hand rather than failing on it.
    const r = await runCli(['status', '--json'], { REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix });
    expect(r.code, r.stderr).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: RunStatus[] };
    expect(runs.find((s) => s.jobId === outcome.jobId)).toMatchObject({ months: month, state: 'completed', outDir: workerOut });
    expect(runs.find((s) => s.jobId === byBoard.id)).toMatchObject({ months: '(unreadable job data)', state: 'failed', outDir: null, progress: null });
  }, 60_000);
});

describe('malformed job data', () => {
  it('each job name: failed after one attempt, naming the job name and the field, with no call to the API', async () => {
    const jobId = runJobId(run.runId);
    const page = { run, cohortType: 'segment', cohortId: sandbox.workspace.segments[0]!.id, perPage: 50, runJobId: jobId, contactsPerJob: 10, round: 1, claimScope: '1.1' };
    const contactIds = sandbox.workspace.contacts.map((c) => c.id);
    const cases: Array<[name: string, data: unknown, failedReason: string]> = [
      ['month-run', { run: { ...run, from: `${month}-01` } }, 'JOB_DATA_INVALID: month-run job data: run.from: expected YYYY-MM'],
      ['page-cohort', { ...page, perPage: undefined }, 'JOB_DATA_INVALID: page-cohort job data: perPage: missing (expected number)'],
      ['page-cohort', { ...page, perPage: '50' }, 'JOB_DATA_INVALID: page-cohort job data: perPage: expected number, got string'],
      [
        'fetch-contacts',
        { run, runJobId: jobId, contactIds: Array.from({ length: 1001 }, (_, i) => contactIds[i % contactIds.length]!), claimScope: '1.1' },
        'JOB_DATA_INVALID: fetch-contacts job data: contactIds: expected at most 1000 contact ids',
      ],
      ['scheduled-run', { timeZone: 42 }, 'JOB_DATA_INVALID: scheduled-run job data: timeZone: expected string, got number'],
    ];
    sandbox.resetCounters();
    const ids: string[] = [];
    // Ids of their own: nothing here is a run the worker would take for enqueue's.
    for (const [i, [name, data]] of cases.entries()) ids.push((await queue.add(name, data, { jobId: `bad.${i}`, attempts: 4, backoff: { type: 'fixed', delay: 10 } })).id!);
    for (const [i, [name, , failedReason]] of cases.entries()) {
      expect(await settled(ids[i]!), name).toMatchObject({ state: 'failed', attemptsMade: 1, failedReason });
    }
    expect(sandbox.counters.requests).toBe(0);
  }, 30_000);
});
