/**
 * Faults change nothing in the output of a distributed run: three real worker processes (the CLI's
 * `worker`), the real Redis, a sandbox this test holds. Each case compares the final reports with the
 * fault-free run of the same data (the single-process run, itself checked against the independent
 * reference) — every CSV and trends.csv byte for byte, the manifest bar `timing` and the request
 * counters — and prints one JSON line: runs, faults injected, reports identical, extra API calls.
 *
 * The workers live across the cases (one prefix; each case re-enqueues the month into its own folder,
 * which replaces the completed run and starts it afresh); a case that kills workers tops them up after.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../support/e2e-cli.js';
import { expectedReports, lastEndedMonth, listedContactIds } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import {
  enqueueMonth,
  openTestQueue,
  runFaultFreeReference,
  runProgress,
  waitForRunJob,
  type DistributedTarget,
  type TestQueue,
} from '../support/faults-distributed.js';
import { injectedFaults } from '../support/faults-record.js';
import { diffFromIndependentReference, readRunOutput, type RunOutput } from '../support/faults-reports.js';
import { FAULT_KINDS_OF_MIX, FAULT_MIX, faultsWithinFirst, pastClockMs, writeFaultConfig } from '../support/faults-setup.js';
import { isAlive, spawnFaultWorker, stopFaultWorkers, workerOutputs } from '../support/faults-workers.js';
import { killWorker, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { deleteKeys, redisUrl, testPrefix } from '../support/redis.js';
import { createPrng } from '../../src/sandbox/create-prng.js';
import { FETCH_LANES } from '../../jobs/process-fetch-contacts.js';
import { expectReportsAsWithoutFaults } from '../support/faults-expect.js';

const CONTACTS = 300;
const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const WORKERS = 3;
const CONCURRENCY = 4;
/** Small fetch jobs, so a draining worker finishes its active ones well within DRAIN_TIMEOUT_MS. */
const CONTACTS_PER_JOB = 10;
const DRAIN_TIMEOUT_MS = 10_000;
const SANDBOX_ALLOWANCE = 20_000;
/** The workers' shared bucket: ~135 requests/s, so a run of ~340 calls lasts a few seconds and can be hit mid-way. */
const WORKER_ALLOWANCE = 150;
const KILLS = 3;
/** Reproducible kill schedule; FAULTS_KILL_SEED=<n> tries another. */
const KILL_SEED = Number(process.env.FAULTS_KILL_SEED ?? 20_260_611);

let sb: E2eSandbox;
let tmp: string;
let prefix: string;
let configPath: string;
let month: string;
/** The clock every run of this file is planned at (the plan depends on it, the reports must not differ). */
let nowSec: number;
let tq: TestQueue;
let target: DistributedTarget;
let reference: RunOutput;
let referenceRequests: number;
let referenceEvents: Map<string, number>;
let workers: WorkerProcess[] = [];

function envFor(token: string): NodeJS.ProcessEnv {
  return workerEnvironment({ baseUrl: sb.sandbox.url, token, redisUrl: redisUrl(), prefix, outDir: join(tmp, 'workers-out'), allowance: WORKER_ALLOWANCE });
}

/**
 * The workers' own output folder (a job cannot name another), emptied for a test, or seeded with
 * `seed`'s reports: each test starts from the folder it describes. The previous test's run is settled.
 */
async function workersOutput(seed?: string): Promise<string> {
  const outDir = join(tmp, 'workers-out');
  await rm(outDir, { recursive: true, force: true });
  if (seed !== undefined) await cp(seed, outDir, { recursive: true });
  return outDir;
}

let starting = 0;

/** Tops the pool up to WORKERS live processes with `token` (counting those still starting). */
async function ensureWorkers(token = sb.sandbox.token): Promise<void> {
  workers = workers.filter(isAlive);
  const missing = WORKERS - workers.length - starting;
  if (missing <= 0) return;
  starting += missing;
  try {
    await Promise.all(
      Array.from({ length: missing }, async () => {
        const wp = await spawnFaultWorker(envFor(token), { concurrency: CONCURRENCY, configPath });
        // `workers` is read after the await: a concurrent call may have replaced the array meanwhile.
        workers.push(wp);
      }),
    );
  } finally {
    starting -= missing;
  }
}

const allWorkers = (): WorkerProcess[] => workers;

/** Queues the month (written to the workers' output) and returns the run's ids. */
async function enqueue(): Promise<{ jobId: string; runId: string }> {
  const outcome = await enqueueMonth(tq, prefix, { month, nowSec });
  expect(['added', 'replaced']).toContain(outcome.kind);
  return { jobId: outcome.jobId, runId: outcome.runId };
}

async function waitForContactsDone(runId: string, share: number): Promise<void> {
  const total = listedContactIds(sb.sandbox.workspace).size;
  const deadline = Date.now() + 30_000;
  while ((await runProgress(tq, prefix, runId)).contactsDone < share * total) {
    if (Date.now() > deadline) throw new Error(`run made no progress to ${share * 100}%:\n${workerOutputs(workers)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectCompleted(jobId: string, timeoutMs = 60_000): Promise<void> {
  const state = await waitForRunJob(tq, jobId, allWorkers, timeoutMs);
  if (state !== 'completed') {
    const failed = await tq.queue.getJobs(['failed'], 0, 20);
    const reasons = failed.map((j) => `${j.id}: ${j.failedReason} (attempts ${j.attemptsMade})`).join('\n');
    const jobFailures = workers.flatMap((w) => w.output().split('\n').filter((l) => l.includes('"job failed"') || l.includes('"level":50')));
    expect(state, `${reasons}\n${jobFailures.join('\n')}\n${workerOutputs(workers)}`).toBe('completed');
  }
}

/** Requests the run's clients retried (summed over the workers, as the manifest says). */
function retriesOf(output: RunOutput): number {
  return output.rawManifests.get(month)!.totals.retries ?? 0;
}

/** Contacts whose events were asked for more often than in the fault-free run. */
function contactsFetchedAgain(): number {
  let n = 0;
  for (const [id, calls] of sb.sandbox.counters.eventsCallsByContact) if (calls > (referenceEvents.get(id) ?? 0)) n += 1;
  return n;
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: CONTACTS, seed: 43, eventsPerPage: EVENTS_PER_PAGE, allowance: SANDBOX_ALLOWANCE, clockMs: pastClockMs() });
  tmp = await mkdtemp(join(tmpdir(), 'faults-workers-'));
  prefix = testPrefix('faults-workers');
  configPath = await writeFaultConfig(join(tmp, 'config.json'), { searchPerPage: SEARCH_PER_PAGE, contactsPerJob: CONTACTS_PER_JOB, drainTimeoutMs: DRAIN_TIMEOUT_MS });
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
  nowSec = Math.floor(Date.now() / 1000);
  tq = openTestQueue(redisUrl(), prefix);
  target = { baseUrl: sb.sandbox.url, redisUrl: redisUrl(), prefix, configPath, allowance: WORKER_ALLOWANCE };

  const started = ensureWorkers();
  sb.freshRun();
  const refDir = join(tmp, 'reference');
  await runFaultFreeReference({ ...target, allowance: SANDBOX_ALLOWANCE }, { token: sb.sandbox.token, month, nowSec, outDir: refDir });
  referenceRequests = sb.sandbox.counters.requests;
  referenceEvents = new Map(sb.sandbox.counters.eventsCallsByContact);
  reference = await readRunOutput(refDir, [month]);
  await started;
});

afterAll(async () => {
  await stopFaultWorkers();
  if (tq) {
    await tq.queue.obliterate({ force: true }).catch(() => undefined);
    await deleteKeys(tq.redis, prefix);
    await tq.close();
  }
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('three workers under faults', () => {
  it('the fault-free reference writes what the independent reference computes from the sandbox data', () => {
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(diffFromIndependentReference(reference, expected)).toEqual([]);
  });

  it('with 5% 5xx, 2% answers slower than the client timeout, 1% dropped connections, 1% non-JSON bodies and 429 bursts together, write reports identical to the fault-free run', async () => {
    const planned = faultsWithinFirst(FAULT_MIX, referenceRequests);
    for (const kind of FAULT_KINDS_OF_MIX) expect(planned[kind], `${kind} within the first ${referenceRequests} draws`).toBeGreaterThan(0);
    await ensureWorkers();
    const outDir = await workersOutput();
    sb.freshRun();
    sb.sandbox.setFaults(FAULT_MIX);
    try {
      const { jobId } = await enqueue();
      await expectCompleted(jobId);
    } finally {
      sb.sandbox.setFaults({});
    }
    const counters = sb.sandbox.counters;
    for (const kind of FAULT_KINDS_OF_MIX) expect(counters.faultsInjected[kind], kind).toBeGreaterThan(0);
    await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: 'sandbox fault mix',
      mode: 'workers',
      runs: 1,
      faultsInjected: injectedFaults(counters),
      extraApiCalls: counters.requests - referenceRequests,
    });
    expect(new Set(counters.eventsCallsByContact.keys())).toEqual(listedContactIds(sb.sandbox.workspace));
  }, 90_000);

  it(`kill -9 of a worker at ${KILLS} seeded random points of one run, each replaced: the run completes with identical reports, repeating only work in flight`, async () => {
    await ensureWorkers();
    const random = createPrng(KILL_SEED).next;
    const points = Array.from({ length: KILLS }, () => 0.1 + 0.6 * random()).sort((a, b) => a - b);
    const outDir = await workersOutput();
    sb.freshRun();
    const { jobId, runId } = await enqueue();
    const respawns: Array<Promise<void>> = [];
    const schedule: Array<{ atContactsShare: number; victim: number }> = [];
    for (const point of points) {
      await waitForContactsDone(runId, point);
      const alive = workers.filter(isAlive);
      const victim = Math.floor(random() * alive.length);
      schedule.push({ atContactsShare: Number(point.toFixed(3)), victim });
      await killWorker(alive[victim]!, 'SIGKILL');
      // The replacement starts while the run goes on; the next kill may come before it is ready.
      respawns.push(ensureWorkers());
    }
    await Promise.all(respawns);
    await expectCompleted(jobId, 90_000);

    const counters = sb.sandbox.counters;
    const refetched = contactsFetchedAgain();
    const output = await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: `kill -9 of a worker ${KILLS} times in one run`,
      mode: 'workers',
      runs: 1,
      faultsInjected: { kill9: KILLS },
      extraApiCalls: counters.requests - referenceRequests,
      notes: { seed: KILL_SEED, schedule, contactsFetchedAgain: refetched },
    });
    // Each killed worker held at most CONCURRENCY jobs, each fetching FETCH_LANES contacts at a time;
    // beyond that, only a retried request (a timeout on a loaded machine) calls a contact's events again.
    expect(refetched).toBeLessThanOrEqual(KILLS * CONCURRENCY * FETCH_LANES + retriesOf(output));
  }, 150_000);

  it('SIGTERM of a worker mid-run: it drains within worker.drainTimeoutMs and exits 0, the others complete the run with identical reports', async () => {
    await ensureWorkers();
    const outDir = await workersOutput();
    sb.freshRun();
    const { jobId, runId } = await enqueue();
    await waitForContactsDone(runId, 0.3);
    const atSignal = (await runProgress(tq, prefix, runId)).contactsDone;
    const victim = workers[0]!;
    const code = await killWorker(victim, 'SIGTERM');
    expect(atSignal).toBeLessThan(listedContactIds(sb.sandbox.workspace).size);
    expect(code, victim.output()).toBe(0);
    // Its active jobs finished within worker.drainTimeoutMs (else it logs that it handed them back).
    expect(victim.output()).toContain('"msg":"drained"');
    await expectCompleted(jobId);

    const counters = sb.sandbox.counters;
    const output = await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: 'SIGTERM of a worker mid-run',
      mode: 'workers',
      runs: 1,
      faultsInjected: { sigterm: 1 },
      extraApiCalls: counters.requests - referenceRequests,
    });
    // A clean drain finishes its jobs: no contact is fetched twice (bar a request retried after a timeout).
    expect(contactsFetchedAgain()).toBeLessThanOrEqual(retriesOf(output));
  });

  it('with the token revoked mid-run the run job fails for good, keeps its progress and leaves the earlier reports untouched; enqueued again after the workers get the new token, it resumes to identical reports', async () => {
    await ensureWorkers();
    // Reports of an earlier run of the month (the reference's): they must survive the failed run.
    const outDir = await workersOutput(join(tmp, 'reference'));
    const before = new Map<string, Buffer>();
    for (const f of await listFiles(outDir)) before.set(f, await readFile(join(outDir, f)));
    expect(before.has(`${month}/manifest.json`)).toBe(true);

    const oldToken = sb.sandbox.token;
    const newToken = `rotated_${randomBytes(18).toString('base64url')}`;
    sb.freshRun();
    const { jobId, runId } = await enqueue();
    let failedRequests = 0;
    let doneAtFailure = 0;
    try {
      await waitForContactsDone(runId, 0.3);
      sb.sandbox.setToken(newToken);
      const state = await waitForRunJob(tq, jobId, allWorkers);
      expect(state).toBe('failed');
      const failedReason = (await tq.queue.getJob(jobId))?.failedReason ?? '';
      expect(failedReason).not.toContain(oldToken);
      // The workers still hold the revoked token: stop them (the operator's fix is to restart them).
      await Promise.all(workers.map((w) => killWorker(w, 'SIGTERM')));
      failedRequests = sb.sandbox.counters.requests;
      doneAtFailure = (await runProgress(tq, prefix, runId)).contactsDone;
      expect(doneAtFailure).toBeGreaterThan(0);
      expect(doneAtFailure).toBeLessThan(listedContactIds(sb.sandbox.workspace).size);
      for (const f of await listFiles(outDir)) expect(before.get(f)?.equals(await readFile(join(outDir, f))), `${f} unchanged`).toBe(true);
      expect((await listFiles(outDir)).length).toBe(before.size);
    } catch (err) {
      sb.sandbox.setToken(oldToken);
      throw err;
    }

    sb.freshRun();
    await ensureWorkers(newToken);
    const outcome = await enqueueMonth(tq, prefix, { month, nowSec });
    expect(outcome).toMatchObject({ kind: 'replaced', previousState: 'failed' });
    await expectCompleted(outcome.jobId);
    const resumedRequests = sb.sandbox.counters.requests;
    expect(resumedRequests).toBeLessThan(referenceRequests);

    await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: 'token revoked mid-run, enqueued again after the fix',
      mode: 'workers',
      runs: 2,
      faultsInjected: { tokenRevoked: 1 },
      extraApiCalls: failedRequests + resumedRequests - referenceRequests,
      notes: { contactsDoneAtFailure: doneAtFailure, failedRunRequests: failedRequests, resumedRunRequests: resumedRequests, freshRunRequests: referenceRequests },
    });
  }, 120_000);
});
