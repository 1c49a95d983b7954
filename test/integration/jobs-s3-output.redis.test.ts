/**
 * Distributed runs writing straight to an object store (COHORT_REPORTS_OUT=s3://bucket/prefix): real
 * worker processes (the CLI's `worker`), each in a working directory of its own, so no folder is shared
 * between them; the real Redis; the sandbox; the test S3 server (s3rver, or MinIO / S3_TEST_ENDPOINT
 * where there is one), read back only through the S3 API. The reference is the single-process run
 * written to disk (jobs-reference-run.ts), month by month in the same order as the workers run them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { QUEUE_NAME } from '../../jobs/job-types.js';
import type { MonthRunResult } from '../../jobs/process-month-run.js';
import { loadConfig } from '../../src/config.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { previousMonth } from '../../src/report/months.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { killWorker, waitForJobState, type WorkerProcess } from '../support/jobs-workers.js';
import { readReportFiles, runReference } from '../support/jobs-reference-run.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { readAllObjects, startFaultProxy, startTestS3, testS3Client, type FaultProxy, type SeenRequest, type TestS3 } from '../support/s3-server.js';
import { listTree, monthProblems, s3WorkerEnvironment, spawnWorkerIn, stopS3Workers, watchMonth, wroteRun } from '../support/s3-workers.js';
import { openTestQueue } from '../support/teardown.js';

const CONTACTS = 200;
const CONCURRENCY = 4;
const ALLOWANCE = 20_000;
/** Uploads of the replaced month let through to the store before the rest are held and the worker killed. */
const UPLOADS_BEFORE_KILL = 2;

let sandbox: Sandbox;
let s3: TestS3;
let redis: Redis;
let tmp: string;
/** The older month (written first) and the last complete one. */
let monthA: string;
let monthB: string;
/** The reference run's bytes: both months' CSVs and pages, trends.csv, retention.csv, the index page. */
let referenceFiles: Map<string, Buffer>;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const nowSec = Math.floor(Date.now() / 1000);
  [sandbox, s3] = await Promise.all([startSandbox({ contacts: CONTACTS, seed: 11, nowSec }), startTestS3()]);
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'jobs-s3-output-'));
  monthB = lastCompleteMonth(Date.now(), 'UTC');
  monthA = previousMonth(monthB);
  const outDir = join(tmp, 'reference');
  const config = loadConfig({
    env: { INTERCOM_BASE_URL: sandbox.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: testPrefix('s3-ref'), COHORT_REPORTS_OUT: outDir, RATE_LIMIT_ALLOWANCE: String(ALLOWANCE) },
    requireToken: false,
  }).config;
  // Two runs into one folder, A then B, as the workers write the history.
  for (const month of [monthA, monthB]) {
    await runReference({ config, token: sandbox.token, plan: planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false }), outDir });
  }
  referenceFiles = await readReportFiles(outDir, [monthA, monthB]);
});

afterEach(async () => {
  await stopS3Workers();
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

afterAll(async () => {
  await stopS3Workers();
  await sandbox?.close();
  await s3?.stop();
  await redis?.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function proxyToStore(): Promise<FaultProxy> {
  const proxy = await startFaultProxy(s3.endpoint);
  cleanups.push(() => proxy.stop());
  return proxy;
}

async function workingDir(label: string): Promise<string> {
  return mkdtemp(join(tmp, `${label}-`));
}

async function enqueueMonth(queue: Queue, prefix: string, month: string): Promise<{ jobId: string; runId: string; kind: string }> {
  const outcome = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false }, (runId) =>
    createRedisStore({ redis, prefix, runId }).clear(),
  );
  if (outcome.kind !== 'added' && outcome.kind !== 'replaced') throw new Error(`month ${month} not queued: ${outcome.kind}`);
  return outcome;
}

async function waitCompleted(queue: Queue, jobId: string, workers: readonly WorkerProcess[], timeoutMs: number): Promise<MonthRunResult> {
  const state = await waitForJobState(queue, jobId, ['completed', 'failed'], timeoutMs, () => workers.map((w) => w.output()).join('\n'));
  const job = await queue.getJob(jobId);
  expect(state, job?.failedReason).toBe('completed');
  return job!.returnvalue as MonthRunResult;
}

/** The reference's files of `month`, by name relative to the output. */
function referenceMonth(month: string): Array<[string, Buffer]> {
  return [...referenceFiles].filter(([name]) => name.startsWith(`${month}/`));
}

/**
 * Watches one proxy's requests: every write of a month's file other than its manifest (an upload or a
 * copy into `prefix/YYYY-MM/`) must find that month without a manifest at that moment, which is what
 * keeps a month from ever reading half-new. Records the manifest's HEAD status at each such write.
 */
function checkMonthWrites(client: S3Client, prefix: string, seen: Array<{ key: string; manifest: number | 'present' }>): (req: SeenRequest) => Promise<void> {
  const monthFile = new RegExp(`^/${s3.bucket}/${prefix}/(\\d{4}-\\d{2})/(.+?)(?:\\?|$)`);
  return async (req) => {
    if (req.method !== 'PUT') return;
    const match = monthFile.exec(req.url);
    if (match === null || match[2] === 'manifest.json') return;
    const manifest = await client
      .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${match[1]}/manifest.json` }))
      .then(() => 'present' as const)
      .catch((err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode ?? 0);
    seen.push({ key: `${match[1]}/${decodeURIComponent(match[2]!)}`, manifest });
  };
}

describe('distributed runs writing to an object store', () => {
  it('two workers in separate working directories write one history to the store, with no shared folder', async () => {
    const prefix = testPrefix('jobs-s3-hist');
    const queue = openTestQueue(prefix, redis, cleanups);
    const env = s3WorkerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, allowance: ALLOWANCE }, s3, 'hist');
    const cwds = [await workingDir('machine-1'), await workingDir('machine-2')];
    const workers = await Promise.all(cwds.map((cwd) => spawnWorkerIn(cwd, env, CONCURRENCY)));

    // Month A with both workers taking jobs; then the one that wrote it stops, so the other writes B.
    const runA = await enqueueMonth(queue, prefix, monthA);
    const resultA = await waitCompleted(queue, runA.jobId, workers, 30_000);
    const writerA = workers.findIndex((w) => wroteRun(w, runA.runId));
    expect(writerA, workers.map((w) => w.output()).join('\n')).toBeGreaterThanOrEqual(0);
    expect(await killWorker(workers[writerA]!, 'SIGTERM')).toBe(0);
    const runB = await enqueueMonth(queue, prefix, monthB);
    const resultB = await waitCompleted(queue, runB.jobId, workers, 30_000);
    expect(wroteRun(workers[1 - writerA]!, runB.runId)).toBe(true);
    expect(wroteRun(workers[writerA]!, runB.runId)).toBe(false);
    expect([resultA.outDir, resultB.outDir]).toEqual([`s3://${s3.bucket}/hist`, `s3://${s3.bucket}/hist`]);
    expect([resultA.months, resultB.months]).toEqual([[monthA], [monthB]]);

    const objects = await readAllObjects(s3, 'hist');
    for (const month of [monthA, monthB]) expect(monthProblems(objects, month), month).toEqual([]);
    // Both months' CSVs and pages, trends.csv, retention.csv and the index page as the reference's.
    for (const [name, bytes] of referenceFiles) expect(objects.get(name)?.equals(bytes), `${name} differs from the reference`).toBe(true);
    for (const name of ['trends.csv', 'retention.csv', 'datapackage.json', 'index.html']) {
      const text = objects.get(name)?.toString('utf8') ?? '';
      expect(text, `${name} names ${monthA}`).toContain(monthA);
      expect(text, `${name} names ${monthB}`).toContain(monthB);
    }
    expect([...objects.keys()].filter((k) => k.startsWith('.staging/') || k === '.cohort-reports.lock')).toEqual([]);
    // Nothing was written in either machine's working directory.
    for (const cwd of cwds) expect(await listTree(cwd), cwd).toEqual([]);
  }, 90_000);

  it('a worker killed while uploading a month is replaced by the other: the month ends complete and as the reference, never half-new', async () => {
    const prefix = testPrefix('jobs-s3-kill');
    const queue = openTestQueue(prefix, redis, cleanups);
    const base = { baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, allowance: ALLOWANCE };
    const client = testS3Client(s3);
    cleanups.push(async () => client.destroy());
    const writes: Array<{ key: string; manifest: number | 'present' }> = [];
    // Worker 1 reaches the store through a proxy that holds its uploads once armed; worker 2 through one that only watches.
    const [proxy1, proxy2] = await Promise.all([proxyToStore(), proxyToStore()]);
    proxy2.onRequest(checkMonthWrites(client, 'kill', writes));
    const watch1 = checkMonthWrites(client, 'kill', writes);
    let armed = false;
    let uploads = 0;
    let onHold!: () => void;
    const holding = new Promise<void>((resolve) => (onHold = resolve));
    let onKilled!: () => void;
    const killed = new Promise<void>((resolve) => (onKilled = resolve));
    proxy1.onRequest(async (req) => {
      await watch1(req);
      if (!armed || req.method !== 'PUT' || !req.url.startsWith(`/${s3.bucket}/kill/.staging/`)) return;
      uploads += 1;
      if (uploads <= UPLOADS_BEFORE_KILL) return;
      onHold();
      await killed;
      throw new Error('held until its worker was killed'); // the proxy drops the request: it never reaches the store
    });
    const [cwd1, cwd2] = [await workingDir('machine-1'), await workingDir('machine-2')];
    const worker1 = await spawnWorkerIn(cwd1, s3WorkerEnvironment(base, s3, 'kill', proxy1.endpoint), CONCURRENCY);

    // Month A written once, by worker 1 alone: the complete old month the run below replaces.
    const first = await enqueueMonth(queue, prefix, monthA);
    await waitCompleted(queue, first.jobId, [worker1], 30_000);
    const old = await readAllObjects(s3, 'kill');
    expect(monthProblems(old, monthA)).toEqual([]);

    // Worker 1 (still alone) runs it again; once its first uploads of the new month are on the store,
    // it is killed with the rest held.
    armed = true;
    const outputBefore = worker1.output().length;
    const watcher = watchMonth(s3, 'kill', monthA);
    const again = await enqueueMonth(queue, prefix, monthA);
    expect(again.kind).toBe('replaced');
    const deadline = Date.now() + 30_000;
    await Promise.race([
      holding,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`worker 1 never uploaded the month:\n${worker1.output()}`)), 30_000).unref()),
    ]);
    let staged = new Map<string, Buffer>();
    while (staged.size < UPLOADS_BEFORE_KILL) {
      if (Date.now() > deadline) throw new Error(`the uploads let through never reached the store:\n${worker1.output()}`);
      staged = await readAllObjects(s3, 'kill/.staging');
      await new Promise((r) => setTimeout(r, 20));
    }
    await killWorker(worker1);
    onKilled();
    const writesBeforeRetry = writes.length;
    // The kill landed mid-upload: part of the new month staged, the old month untouched and complete.
    expect(staged.size).toBeGreaterThanOrEqual(UPLOADS_BEFORE_KILL);
    const afterKill = await readAllObjects(s3, 'kill');
    for (const [name, bytes] of old) if (name.startsWith(`${monthA}/`)) expect(afterKill.get(name)?.equals(bytes), `${name} changed`).toBe(true);

    // Worker 2 takes the stalled run job over (its lock lapses), and the output's lock from the dead holder.
    const worker2 = await spawnWorkerIn(cwd2, s3WorkerEnvironment(base, s3, 'kill', proxy2.endpoint), CONCURRENCY);
    const result = await waitCompleted(queue, again.jobId, [worker1, worker2], 45_000);
    expect(wroteRun(worker2, again.runId), worker2.output()).toBe(true);
    expect(wroteRun(worker1, again.runId, outputBefore)).toBe(false);
    expect(result.months).toEqual([monthA]);
    const seen = await watcher.stop();

    const objects = await readAllObjects(s3, 'kill');
    expect(monthProblems(objects, monthA)).toEqual([]);
    expect(objects.get(`${monthA}/manifest.json`)?.equals(old.get(`${monthA}/manifest.json`)!), 'the month was not replaced').toBe(false);
    for (const [name, bytes] of referenceMonth(monthA)) expect(objects.get(name)?.equals(bytes), `${name} differs from the reference`).toBe(true);
    expect([...objects.keys()].filter((k) => k.startsWith('.staging/') || k === '.cohort-reports.lock')).toEqual([]);
    // Never half-new: each write of a month's file found the month without a manifest, and no read saw
    // a manifest with files that did not match it.
    expect(writes.length).toBeGreaterThan(writesBeforeRetry);
    expect(writes.filter((w) => w.manifest !== 404)).toEqual([]);
    expect(seen.halfNew).toEqual([]);
    expect(seen.complete).toBeGreaterThan(0);
    for (const cwd of [cwd1, cwd2]) expect(await listTree(cwd), cwd).toEqual([]);
  }, 120_000);
});
