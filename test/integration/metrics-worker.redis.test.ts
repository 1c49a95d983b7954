/**
 * `cohort-reports worker --metrics-port`: a real worker process on the real sandbox and Redis, scraped
 * over HTTP before, during and after a distributed run. Every figure is compared with a count taken
 * elsewhere: the sandbox's own counters, the workspace's ground truth, the run's manifest and the queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import type { MonthManifest } from '../../src/report/manifest.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { waitForJobState, workerEnvironment } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { parseExposition, sumOf } from '../support/metrics-exposition.js';
import { killChild, tearDown } from '../support/teardown.js';
import { cliNodeArgs } from '../support/e2e-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));


let sandbox: Sandbox;
let redis: Redis;
let queue: Queue;
let prefix: string;
let tmp: string;
let child: ChildProcess;
let output = '';
let metricsUrl: string;

async function scrape(): Promise<{ text: string; contentType: string | null }> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return { text: await response.text(), contentType: response.headers.get('content-type') };
}

beforeAll(async () => {
  const nowSec = Math.floor(Date.now() / 1000);
  sandbox = await startSandbox({
    contacts: 150,
    seed: 5,
    nowSec,
    // A one-second window keeps the pause after each 429 short; the allowance itself never binds.
    rateLimit: { allowancePerWindow: 100_000, windowSeconds: 1 },
    faults: { seed: 9, serverErrorRate: 0.02, burst429: { everyNthRequest: 80, length: 1 } },
  });
  redis = createTestRedis();
  prefix = testPrefix('metrics-worker');
  tmp = await mkdtemp(join(tmpdir(), 'metrics-worker-'));
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  const env = workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, outDir: tmp, allowance: 20_000 });
  child = spawn(process.execPath, [...cliNodeArgs(), 'worker', '--concurrency', '4', '--metrics-port', '0'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('"worker started"')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker not ready within 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const listening = output.split('\n').find((l) => l.includes('"metrics listening"'));
  metricsUrl = (JSON.parse(listening!) as { url: string }).url;
});

afterAll(async () => {
  await killChild(child);
  await tearDown({ prefix, queue, redis, sandbox, tmp });
});

describe('worker --metrics-port', () => {
  it('serves the counters in Prometheus text format, moving during a sandbox run and matching what the sandbox saw', async () => {
    const before = await scrape();
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const idle = parseExposition(before.text);
    // Before any run, only the worker's GET /me at start (which workspace it serves) was made.
    expect(sandbox.counters.requests).toBe(sandbox.counters.byEndpoint.me);
    expect(sumOf(idle, 'cohort_reports_intercom_requests_total')).toBe(sandbox.counters.byEndpoint.me);
    expect(idle.get('cohort_reports_contacts_fetched_total')).toBe(0);
    expect(idle.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);

    const month = lastCompleteMonth(Date.now(), 'UTC');
    const enqueuedAtMs = Date.now();
    const outcome = await enqueueRun(
      queue,
      { from: month, timeZone: 'UTC', nowSec: Math.floor(enqueuedAtMs / 1000), allowPartial: false },
      (runId) => createRedisStore({ redis, prefix, runId }).clear(),
    );
    // Scrapes while the run goes on: each must be valid, and no counter may ever go down.
    let previous = 0;
    const seenDuringRun: number[] = [];
    for (;;) {
      const state = await queue.getJobState(outcome.jobId);
      if (state === 'completed' || state === 'failed') break;
      const calls = sumOf(parseExposition((await scrape()).text), 'cohort_reports_intercom_requests_total');
      expect(calls).toBeGreaterThanOrEqual(previous);
      previous = calls;
      seenDuringRun.push(calls);
      if (Date.now() - enqueuedAtMs > 60_000) throw new Error(`run not finished within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = await waitForJobState(queue, outcome.jobId, ['completed', 'failed'], 1_000, () => output);
    const finishedSeenAtMs = Date.now();
    expect(state, (await queue.getJob(outcome.jobId))?.failedReason).toBe('completed');

    const after = await scrape();
    const samples = parseExposition(after.text);
    const c = sandbox.counters;
    // The run takes seconds (a pause of up to 1 s after each 429), scraped every 100 ms: some scrape fell mid-way.
    expect(seenDuringRun.some((calls) => calls > 0 && calls < c.requests), `scrapes during the run: ${seenDuringRun.join(', ')}`).toBe(true);

    for (const endpoint of ['segments', 'tags', 'contacts.search', 'events'] as const) {
      expect(samples.get(`cohort_reports_intercom_requests_total{endpoint="${endpoint}"}`), endpoint).toBe(c.byEndpoint[endpoint]);
    }
    expect(c.responses429).toBeGreaterThan(0);
    expect(c.faultsInjected.serverError).toBeGreaterThan(0);
    expect(samples.get('cohort_reports_intercom_responses_total{status="429"}')).toBe(c.responses429);
    expect(samples.get('cohort_reports_intercom_rate_limited_total')).toBe(c.responses429);
    expect(sumOf(samples, 'cohort_reports_intercom_responses_total', (l) => /status="5\d\d"/.test(l))).toBe(c.faultsInjected.serverError);
    expect(sumOf(samples, 'cohort_reports_intercom_responses_total')).toBe(c.requests);
    expect(samples.get('cohort_reports_rate_limit_wait_seconds_count')).toBe(c.requests);

    // The run's own counters, summed in Redis by another path, and its manifest agree.
    const runId = (await queue.getJob(outcome.jobId))!.data.run.runId as string;
    const requestStats = (await createRedisStore({ redis, prefix, runId }).progress()).requests;
    expect(samples.get('cohort_reports_intercom_retries_total')).toBe(requestStats.retries);
    // The run's own counters leave out the worker's GET /me at start, which belongs to no run.
    expect(requestStats.apiCalls).toBe(c.requests - c.byEndpoint.me);
    const manifest = JSON.parse(await readFile(join(tmp, month, 'manifest.json'), 'utf8')) as MonthManifest;
    expect(samples.get('cohort_reports_events_fetched_total')).toBe(manifest.totals.events_fetched);

    const listed = new Set([...sandbox.workspace.membersByCohort.values()].flat());
    expect(samples.get('cohort_reports_contacts_fetched_total')).toBe(listed.size);

    expect(samples.get('cohort_reports_run_duration_seconds_count')).toBe(1);
    const durationSec = samples.get('cohort_reports_run_duration_seconds_sum')!;
    expect(durationSec).toBeGreaterThan(0);
    expect(durationSec).toBeLessThanOrEqual((finishedSeenAtMs - enqueuedAtMs) / 1000);

    const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting');
    expect(samples.get('cohort_reports_jobs{state="completed"}')).toBe(counts.completed);
    expect(samples.get('cohort_reports_jobs{state="failed"}')).toBe(counts.failed);
    expect(samples.get('cohort_reports_jobs{state="active"}')).toBe(0);

    expect(before.text + after.text).not.toContain(sandbox.token);
  });

  it('drains, closes the metrics port and exits 0 on SIGTERM', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, output).toBe(0);
    await expect(fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });
});
