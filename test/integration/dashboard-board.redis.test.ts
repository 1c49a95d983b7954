/**
 * `cohort-reports dashboard` as a real process over a queue holding a real distributed run (an
 * in-process worker on the sandbox): the page, its API and the queue's counts over HTTP, basic auth on
 * every route, the token nowhere, and — where Debian's chromium is installed — the rendered board.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { startWorker } from '../../jobs/start-worker.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cliNodeArgs, PROJECT_ROOT } from '../support/e2e-cli.js';
import { waitForJobState } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { killChild, tearDown } from '../support/teardown.js';

const CHROMIUM = '/usr/bin/chromium';
const USER = 'ops';
const PASSWORD = 'correct horse: battery';

let sandbox: Sandbox;
let redis: Redis;
let queue: Queue;
let prefix: string;
let tmp: string;
let child: ChildProcess;
let output = '';
let baseUrl: string;
let runJobId: string;
let runId: string;

const authHeader = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const get = (path: string, auth: string | null = authHeader(USER, PASSWORD)): Promise<Response> =>
  fetch(new URL(path, baseUrl), { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(10_000) });

beforeAll(async () => {
  sandbox = await startSandbox({ contacts: 60, seed: 4, nowSec: Math.floor(Date.now() / 1000) });
  redis = createTestRedis();
  prefix = testPrefix('dashboard');
  tmp = await mkdtemp(join(tmpdir(), 'dashboard-'));
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  const { config } = loadConfig({
    env: { INTERCOM_BASE_URL: sandbox.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix, COHORT_REPORTS_OUT: tmp, RATE_LIMIT_ALLOWANCE: '20000' },
    requireToken: false,
  });

  // The token is in the dashboard's environment on purpose: it must still appear nowhere. It starts
  // while the run below goes on: the board reads the queue per request, not at start.
  child = spawn(process.execPath, [...cliNodeArgs(), 'dashboard', '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: redisUrl(),
      COHORT_REPORTS_PREFIX: prefix,
      INTERCOM_TOKEN: sandbox.token,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));

  // A real run, so the board has every kind of job with real data, progress and results.
  const worker = await startWorker({ config, token: sandbox.token, concurrency: 4, log: createLogger({ level: 'silent' }) });
  try {
    const outcome = await enqueueRun(
      queue,
      { from: lastCompleteMonth(Date.now(), 'UTC'), timeZone: 'UTC', nowSec: Math.floor(Date.now() / 1000), allowPartial: false },
      (id) => createRedisStore({ redis, prefix, runId: id }).clear(),
    );
    runJobId = outcome.jobId;
    runId = outcome.runId;
    const state = await waitForJobState(queue, runJobId, ['completed', 'failed'], 30_000);
    expect(state).toBe('completed');
  } finally {
    await worker.drain(5_000);
  }

  const deadline = Date.now() + 20_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output))) {
    if (child.exitCode !== null) throw new Error(`dashboard exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`dashboard not listening within 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  baseUrl = match[1]!;
});

afterAll(async () => {
  await killChild(child);
  await tearDown({ prefix, queue, redis, sandbox, tmp });
});

describe('cohort-reports dashboard', () => {
  it('says it uses basic auth when DASHBOARD_USER and DASHBOARD_PASSWORD are set', () => {
    expect(output).toContain(`Queue dashboard for {${prefix}}:runs on ${baseUrl} (basic auth)`);
  });

  it('answers 401 with a Basic challenge on the page, its assets and its API without the right credentials', async () => {
    // Four wrong logins at most: the fifth from one address would start the throttle (dashboard-requests test).
    const wrong = [authHeader(USER, 'wrong'), authHeader('admin', PASSWORD)];
    for (const [i, path] of ['/', '/api/queues', '/static/favicon-32x32.png', '/queue/runs'].entries()) {
      for (const auth of [null, ...(i % 2 === 0 ? wrong : [])]) {
        const response = await get(path, auth);
        expect(response.status, `${path} with ${auth ?? 'no auth'}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        await response.arrayBuffer();
      }
    }
  });

  it('serves the Bull Board page and its scripts', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>cohort-reports</title>');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html);
    expect(script, html).not.toBeNull();
    const js = await get(`/${script![1]}`);
    expect(js.status).toBe(200);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it("lists the project's queue with the counts BullMQ reports for it", async () => {
    const body = (await (await get('/api/queues')).json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(body.queues.map((q) => q.name)).toEqual([QUEUE_NAME]);
    const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed', 'waiting-children');
    expect(counts.completed).toBeGreaterThan(0);
    for (const [state, n] of Object.entries(counts)) expect(body.queues[0]!.counts[state], state).toBe(n);
  });

  it('shows the run job with its data, and never the Intercom token anywhere', async () => {
    const list = await get(`/api/queues?activeQueue=${QUEUE_NAME}&status=completed&page=1&jobsPerPage=1000`);
    const listText = await list.text();
    const listed = JSON.parse(listText) as { queues: Array<{ jobs: Array<{ id: string; name: string; data: { run?: { runId: string } } }> }> };
    const jobs = listed.queues[0]!.jobs;
    expect(jobs.find((j) => j.id === runJobId)?.data.run?.runId).toBe(runId);
    // Children are removed once complete (child-job-options.ts): the run job is what stays.
    expect(jobs.map((j) => j.name)).toContain('month-run');

    const bodies = [listText];
    for (const path of ['/', '/api/queues', `/api/queues/${QUEUE_NAME}/${encodeURIComponent(runJobId)}`, '/api/redis/stats']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      bodies.push(await response.text());
    }
    for (const job of jobs) bodies.push(await (await get(`/api/queues/${QUEUE_NAME}/${encodeURIComponent(job.id)}`)).text());
    // The token is a long random string: any copy of it, whole, would show up here.
    for (const body of bodies) expect(body).not.toContain(sandbox.token);
    const stored = await queue.getJobs(['completed'], 0, 1000);
    for (const job of stored) expect(JSON.stringify(job.asJSON())).not.toContain(sandbox.token);
  });

  it.skipIf(!existsSync(CHROMIUM))('renders the board in headless Chromium with the queue and its job count (needs /usr/bin/chromium)', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 30_000 });
    try {
      const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      // The board links a web font: nothing outside the dashboard is fetched, so the test needs no network.
      await page.route('**/*', (route) => (route.request().url().startsWith(baseUrl) ? route.continue() : route.abort()));
      await page.goto(baseUrl, { timeout: 30_000 });
      const total = Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
      await page.getByText(new RegExp(`^${total} Jobs?$`)).waitFor({ timeout: 30_000 });
      await page.getByText(QUEUE_NAME, { exact: true }).first().waitFor({ timeout: 5_000 });
      const shot = join(tmp, 'dashboard.png');
      await page.screenshot({ path: shot });
      const png = await readFile(shot);
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
      expect(await page.content()).not.toContain(sandbox.token);
    } finally {
      await browser.close();
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, output).toBe(0);
  });
});
