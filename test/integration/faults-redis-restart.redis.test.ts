/**
 * Redis restarted in the middle of a distributed run: the test starts a redis-server of its own (its
 * own port, AOF persistence in a temporary folder, as docker-compose.yml configures production), points
 * worker processes at it, and twice in one run takes it away and starts it again on the same port and
 * folder: first a clean shutdown (SIGTERM), then a crash (SIGKILL). The workers reconnect, the run
 * completes, and its reports are identical to the fault-free run of the same data (bar timing and the
 * request counters). The shared Redis of the other suites is not touched.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedReports, lastEndedMonth, listedContactIds } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { enqueueMonth, openTestQueue, runFaultFreeReference, runProgress, waitForRunJob, type TestQueue } from '../support/faults-distributed.js';
import { startOwnRedisServer, type OwnRedisServer } from '../support/faults-redis-server.js';
import { diffFromIndependentReference, readRunOutput, REQUEST_COUNTER_FIELDS, type RunOutput } from '../support/faults-reports.js';
import { pastClockMs, writeFaultConfig } from '../support/faults-setup.js';
import { isAlive, spawnFaultWorker, stopFaultWorkers, workerOutputs } from '../support/faults-workers.js';
import { workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { testPrefix } from '../support/redis.js';
import { expectReportsAsWithoutFaults } from '../support/faults-expect.js';

const CONTACTS = 300;
const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const WORKERS = 2;
const CONCURRENCY = 4;
const CONTACTS_PER_JOB = 10;
const SANDBOX_ALLOWANCE = 20_000;
/** ~90 requests/s over the shared bucket, so the run is still going when Redis goes away. */
const WORKER_ALLOWANCE = 100;
/** How long Redis stays down each time: long enough that commands and the rate limiter fail, short for the test. */
const DOWN_MS = 1_500;
/**
 * A clean shutdown (SIGTERM: the AOF is flushed) and a crash (SIGKILL: with appendfsync everysec up to
 * a second of writes may be lost, as in production), at these shares of the contacts done.
 */
const STOPS: ReadonlyArray<{ signal: NodeJS.Signals; share: number }> = [
  { signal: 'SIGTERM', share: 0.25 },
  { signal: 'SIGKILL', share: 0.55 },
];

let sb: E2eSandbox;
let tmp: string;
let redisServer: OwnRedisServer;
let tq: TestQueue;
let prefix: string;
let configPath: string;
let month: string;
let nowSec: number;
let reference: RunOutput;
let referenceRequests: number;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'faults-redis-restart-'));
  const redisDir = join(tmp, 'redis');
  await mkdir(redisDir);
  redisServer = await startOwnRedisServer({ dir: redisDir });
  sb = await startE2eSandbox({ contacts: CONTACTS, seed: 47, eventsPerPage: EVENTS_PER_PAGE, allowance: SANDBOX_ALLOWANCE, clockMs: pastClockMs() });
  prefix = testPrefix('faults-redis');
  configPath = await writeFaultConfig(join(tmp, 'config.json'), { searchPerPage: SEARCH_PER_PAGE, contactsPerJob: CONTACTS_PER_JOB });
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
  nowSec = Math.floor(Date.now() / 1000);
  tq = openTestQueue(redisServer.url, prefix);

  const env = workerEnvironment({
    baseUrl: sb.sandbox.url,
    token: sb.sandbox.token,
    redisUrl: redisServer.url,
    prefix,
    // The workers' own output: the run is written there (no job names a folder).
    outDir: join(tmp, 'restarted'),
    allowance: WORKER_ALLOWANCE,
  });
  const started = Promise.all(Array.from({ length: WORKERS }, () => spawnFaultWorker(env, { concurrency: CONCURRENCY, configPath })));
  sb.freshRun();
  const refDir = join(tmp, 'reference');
  await runFaultFreeReference(
    { baseUrl: sb.sandbox.url, redisUrl: redisServer.url, prefix, configPath, allowance: SANDBOX_ALLOWANCE },
    { token: sb.sandbox.token, month, nowSec, outDir: refDir },
  );
  referenceRequests = sb.sandbox.counters.requests;
  reference = await readRunOutput(refDir, [month]);
  workers = await started;
});

afterAll(async () => {
  await stopFaultWorkers();
  await tq?.close();
  await redisServer?.close();
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('Redis restarted mid-run', () => {
  it('the fault-free reference writes what the independent reference computes from the sandbox data', () => {
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(diffFromIndependentReference(reference, expected)).toEqual([]);
  });

  it('workers reconnect after Redis is stopped (SIGTERM) and later killed (SIGKILL) mid-run, each time started again on the same port and data, and the run completes with identical reports', async () => {
    const outDir = join(tmp, 'restarted');
    sb.freshRun();
    const outcome = await enqueueMonth(tq, prefix, { month, nowSec });
    expect(outcome.kind).toBe('added');
    const total = listedContactIds(sb.sandbox.workspace).size;
    const restarts: Array<{ signal: NodeJS.Signals; contactsDoneBefore: number }> = [];
    for (const { signal, share } of STOPS) {
      const deadline = Date.now() + 30_000;
      let done = 0;
      while ((done = (await runProgress(tq, prefix, outcome.runId)).contactsDone) < share * total) {
        if (Date.now() > deadline) throw new Error(`run made no progress to ${share * 100}%:\n${workerOutputs(workers)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await redisServer.stop(signal);
      restarts.push({ signal, contactsDoneBefore: done });
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await redisServer.start();
    }
    const state = await waitForRunJob(tq, outcome.jobId, () => workers, 90_000);
    expect(state, `${(await tq.queue.getJob(outcome.jobId))?.failedReason}\n${workerOutputs(workers)}`).toBe('completed');
    expect(workers.every(isAlive), 'no worker died with Redis').toBe(true);

    await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: 'Redis restarted mid-run',
      mode: 'workers',
      runs: 1,
      faultsInjected: { redisRestart: restarts.length },
      extraApiCalls: sb.sandbox.counters.requests - referenceRequests,
      notes: { restarts, contacts: total, redisDownMs: DOWN_MS },
    });
    // Both stops came while contacts were still waiting for their events.
    for (const r of restarts) expect(r.contactsDoneBefore, r.signal).toBeLessThan(total);

    // Counters: every request the sandbox received for the run (GET /me is the workers' start, not
    // the run's) is in the manifest, and so at least the fault-free run's figures; or the manifest
    // says they are a lower bound. events_fetched is checked with the data above (equal to the
    // fault-free run's): a repeated fetch is a request, not more events.
    const manifest = JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as {
      totals: Record<(typeof REQUEST_COUNTER_FIELDS)[number] | 'events_fetched', number>;
      warnings: Array<{ name: string }>;
    };
    const counters = sb.sandbox.counters;
    const received = { api_calls: counters.requests - counters.byEndpoint.me, responses_429: counters.responses429 };
    const lowerBound = manifest.warnings.some((w) => w.name === 'requests_lower_bound');
    const referenceTotals = reference.rawManifests.get(month)!.totals;
    if (lowerBound) {
      expect(manifest.totals.api_calls).toBeLessThanOrEqual(received.api_calls);
    } else {
      expect(manifest.totals.api_calls).toBeGreaterThanOrEqual(received.api_calls);
      expect(manifest.totals.responses_429).toBeGreaterThanOrEqual(received.responses_429);
      for (const field of REQUEST_COUNTER_FIELDS) expect(manifest.totals[field], field).toBeGreaterThanOrEqual(referenceTotals[field]!);
    }
    expect(manifest.totals.events_fetched).toBe(referenceTotals.events_fetched);
    console.log(JSON.stringify({ counters: manifest.totals, received, lowerBound }));
  }, 150_000);
});
