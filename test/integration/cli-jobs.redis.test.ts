/**
 * The queue commands through the real CLI against real Redis: `enqueue --month last` queues concrete
 * months; `enqueue --wait` says when no worker is connected and that Ctrl-C leaves the run queued;
 * a run done by a worker shows in `status` and `status --json` with its times, folder and request
 * counts; a worker that loses Redis for longer than worker.redisGraceMs exits 1 with one line.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_WORKER_NOTICE_MS } from '../../src/cli/enqueue-command.js';
import type { RunStatus } from '../../src/cli/status-command.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { waitForJobState } from '../support/jobs-workers.js';
import { bullPrefix, QUEUE_NAME, runJobId, type MonthRunData } from '../../jobs/job-types.js';
import { humanLines, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { startOwnRedisServer, type OwnRedisServer } from '../support/faults-redis-server.js';
import { killAllWorkers, spawnWorker, workerEnvironment } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { removeQueue } from '../support/teardown.js';

let redis: Redis;
let tmp: string;
let sb: E2eSandbox;

beforeAll(async () => {
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'cli-jobs-'));
  sb = await startE2eSandbox({ contacts: 40, seed: 8 });
});

afterAll(async () => {
  await killAllWorkers();
  await sb?.close();
  await redis.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function withQueue<T>(prefix: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const connection = createTestRedis();
  const queue = new Queue(QUEUE_NAME, { connection, prefix: bullPrefix(prefix) });
  try {
    return await use(queue);
  } finally {
    await removeQueue(queue, redis, prefix);
    connection.disconnect();
  }
}

describe('enqueue', () => {
  it('--month last queues the last ended month; --wait says no worker is connected, and Ctrl-C leaves the run queued', async () => {
    const prefix = testPrefix('cli-enq');
    // enqueue reads the workspace (which one, and that the selection keeps a cohort) before queueing.
    const env = { ...sb.env, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix };
    await withQueue(prefix, async (queue) => {
      const month = lastCompleteMonth(Date.now(), 'UTC');
      const queued = await runCli(['enqueue', '--month', 'last'], env);
      expect(queued.code, queued.stderr).toBe(0);
      const job = await queue.getJob(runJobId(`${month}_${month}_UTC`));
      expect((job?.data as MonthRunData).run).toMatchObject({ from: month, to: month });

      const waiting = spawnCli(['enqueue', '--month', 'last', '--wait'], env);
      let stderr = '';
      waiting.child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      await waitUntil('the no-worker notice', () => stderr.includes('no worker is connected'), { timeoutMs: NO_WORKER_NOTICE_MS + 10_000 });
      waiting.child.kill('SIGINT');
      const r = await waiting.done;
      expect(r.code).toBe(130);
      expect(humanLines(r.stderr)).toEqual([
        `no worker is connected to queue ${bullPrefix(prefix)}:${QUEUE_NAME}: start one with \`cohort-reports worker\` (still waiting; Ctrl-C leaves the run queued)`,
        `cohort-reports: stopped waiting; run ${month}_${month}_UTC stays queued (job ${job!.id}): see cohort-reports status`,
      ]);
      expect(await job!.getState()).toBe('waiting');
    });
  });
});

describe('status', () => {
  it('shows a finished run with start, end, duration, output folder, API calls and 429s, also as JSON; a narrower rerun is refused, and replaces it with --replace', async () => {
    const prefix = testPrefix('cli-status');
    const out = join(tmp, 'status-out');
    const env = { ...sb.env, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix };
    await withQueue(prefix, async (queue) => {
      sb.freshRun();
      // Paced to take several seconds (an allowance of 100 per 10 s for ~70 calls), so the run's
      // duration stands out from enqueue's own start and its polling.
      await spawnWorker(workerEnvironment({ baseUrl: sb.sandbox.url, token: sb.sandbox.token, redisUrl: redisUrl(), prefix, outDir: out, allowance: 100 }), 4);
      const month = lastCompleteMonth(sb.clockMs, 'UTC');
      const before = Date.now();
      // No --out: the worker writes to its own output (COHORT_REPORTS_OUT above), which status shows.
      const queued = await runCli(['enqueue', '--month', month], env, { timeoutMs: 60_000 });
      expect(queued.code, queued.stderr).toBe(0);
      // The run's wall time as the test sees it: from the queueing (the worker is idle, so it starts at
      // once) to the moment the job is seen completed (polled every 100 ms).
      const queuedAt = Date.now();
      expect(await waitForJobState(queue, runJobId(`${month}_${month}_UTC`), ['completed', 'failed'], 60_000)).toBe('completed');
      const seenAt = Date.now();
      // The run started after `before` and before enqueue exited (queuedAt); it ended before seenAt and
      // at most one poll (100 ms) plus the poll's own round trip before it.
      const longestMs = seenAt - before;
      const shortestMs = seenAt - queuedAt - 500;
      const json = await runCli(['status', '--json'], env);
      expect(json.code, json.stderr).toBe(0);
      const { runs } = JSON.parse(json.stdout) as { runs: RunStatus[] };
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(run).toMatchObject({ months: month, state: 'completed', outDir: out, dirs: [join(out, month)], failedReason: null });
      expect(Date.parse(run.startedAt!)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(run.finishedAt!) - Date.parse(run.startedAt!)).toBe(run.durationMs);
      // The run's own start and end, not its last pass (BullMQ restarts a parent's processing when its
      // children finish, 0.4–0.8 s before the end): the duration lies within the wall time the test
      // saw, bounded on both sides, whatever enqueue's own start and exit cost on a loaded machine.
      expect(run.durationMs!).toBeGreaterThan(4_000);
      expect(run.durationMs!).toBeGreaterThanOrEqual(shortestMs);
      expect(run.durationMs!).toBeLessThanOrEqual(longestMs);
      const results = JSON.parse(await readFile(join(out, 'run_results.json'), 'utf8')) as { started_at: string; finished_at: string; duration_ms: number };
      expect(Math.abs(Date.parse(results.started_at) - Date.parse(run.startedAt!))).toBeLessThan(1_000);
      expect(Math.abs(results.duration_ms - run.durationMs!)).toBeLessThan(1_000);
      const manifest = JSON.parse(await readFile(join(out, month, 'manifest.json'), 'utf8')) as { timing: { duration_ms: number } };
      // Measured from the same start, when the month was written (before the rebuilds and run_results.json).
      expect(manifest.timing.duration_ms).toBeLessThanOrEqual(results.duration_ms);
      expect(manifest.timing.duration_ms).toBeGreaterThan(4_000);
      // Outside the run: each process's GET /me (the worker's and enqueue's), and enqueue's check of the
      // selection, which lists the segments and tags once, as the run itself does.
      const c = sb.sandbox.counters;
      const outsideRun = c.byEndpoint.me + (c.byEndpoint.segments + c.byEndpoint.tags) / 2;
      expect(c.byEndpoint.me).toBe(2);
      expect(run.progress).toMatchObject({ apiCalls: c.requests - outsideRun, responses429: 0 });
      const text = await runCli(['status'], env);
      expect(text.stdout).toMatch(
        new RegExp(`^${month} UTC \\(${run.jobId.replace(/\./g, '\\.')}\\): completed · .* · ${run.progress!.apiCalls} API calls · 0 × 429 · started ${run.startedAt} · ended ${run.finishedAt} · took \\d+s · out ${out}$`, 'm'),
      );

      // The same month again with a narrower selection: the run job refuses it before paging a member,
      // and the month written above stays as it was; with --replace it is replaced.
      const summary = join(out, month, 'cohort_summary.csv');
      const wide = await readFile(summary, 'utf8');
      const kept = sb.sandbox.workspace.segments[0]!;
      // The worker of the first run, still connected, takes these jobs too.
      sb.freshRun();
      const narrow = await runCli(['enqueue', '--month', month, '--select', kept.name, '--wait'], env, { timeoutMs: 60_000 });
      expect(narrow.code, narrow.stderr).toBe(1);
      expect(narrow.stdout + narrow.stderr).toMatch(/MONTH_SCOPE_NARROWER: .* holds \d+ cohorts and this run selects 1: \d+ would disappear .* or add --replace/);
      expect(sb.sandbox.counters.byEndpoint['contacts.search'] + sb.sandbox.counters.byEndpoint.events).toBe(0);
      expect(await readFile(summary, 'utf8')).toBe(wide);
      const replaced = await runCli(['enqueue', '--month', month, '--select', kept.name, '--replace', '--wait'], env, { timeoutMs: 60_000 });
      expect(replaced.code, replaced.stderr).toBe(0);
      // The summary `run` prints, from the worker's run_results.json.
      const replacedResults = JSON.parse(await readFile(join(out, 'run_results.json'), 'utf8')) as { months: Array<{ totals: { unique_contacts: number; api_calls: number } }> };
      const t = replacedResults.months[0]!.totals;
      // After enqueue's own line ("queued run …"): the run's summary.
      const summaryLines = replaced.stdout.trim().split('\n').slice(1);
      expect(summaryLines[0]).toBe(`wrote ${month}: 1 cohort, ${t.unique_contacts.toLocaleString('en-US')} contact${t.unique_contacts === 1 ? '' : 's'}, ${t.api_calls.toLocaleString('en-US')} API calls, 0 × 429`);
      expect(summaryLines[1]).toBe(`reports in ${out}:`);
      expect(summaryLines.at(-1)).toBe(`open file://${join(out, 'index.html')}`);
      const [, ...rows] = (await readFile(summary, 'utf8')).trim().split('\n');
      expect(rows.map((row) => row.split(',').slice(1, 3).join(':'))).toEqual([`segment:${kept.id}`]);
    });
  });
});

describe('worker', () => {
  let own: OwnRedisServer;
  afterAll(async () => {
    await own?.close();
  });

  it('exits 1 with one line once Redis has been gone for longer than worker.redisGraceMs', async () => {
    await mkdir(join(tmp, 'redis'));
    own = await startOwnRedisServer({ dir: join(tmp, 'redis') });
    const config = join(tmp, 'grace.json');
    const graceMs = 1500;
    await writeFile(config, JSON.stringify({ worker: { redisGraceMs: graceMs } }));
    const worker = spawnCli(['worker', '--config', config], { ...sb.env, REDIS_URL: own.url, COHORT_REPORTS_PREFIX: testPrefix('cli-grace') }, { timeoutMs: 40_000 });
    let stderr = '';
    worker.child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await waitUntil('the worker is ready', () => stderr.includes('"worker started"'), { timeoutMs: 20_000 });
    await own.stop('SIGKILL');
    const stoppedAt = Date.now();
    const r = await worker.done;
    const tookMs = Date.now() - stoppedAt;
    expect(r.code, r.stderr).toBe(1);
    expect(humanLines(r.stderr)).toEqual([expect.stringMatching(/^cohort-reports: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(.* for more than 1500 ms\): start Redis/)]);
    // The grace, a check interval and a bounded shutdown.
    expect(tookMs).toBeGreaterThanOrEqual(graceMs);
    expect(tookMs).toBeLessThan(graceMs + 8_000);
    process.stdout.write(`worker exit after losing Redis: ${tookMs} ms (grace ${graceMs} ms)\n`);
  });
});
