/**
 * The token appears nowhere but in the Authorization header. One faulty run of everything — `run`
 * twice (one ending in an error, printed with its stack), three `worker` processes (one serving
 * metrics), `enqueue --wait` twice (one run failing for good), `status` — against a sandbox that
 * answers 5xx, drops sockets, sends non-JSON, bursts 429s, loses contacts and finally serves a
 * spoiled answer whose bad field holds the token itself. Every process logs at trace level. Then the
 * token (and its random part, and half of that) is searched in: every line each process wrote,
 * every file under the output folder (CSVs, manifests, journals), every Redis key and value of the
 * deployment (sampled throughout the run, so job data of children removed on completion is seen too,
 * and the failed jobs' reasons and stack traces), the dashboard's page and API answers, and the
 * metrics text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardApp, startDashboard } from '../../src/dashboard/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { dumpKeys, scanKeys } from '../support/badinput-redis-dump.js';
import { cloneWire } from '../support/badinput-workspace.js';
import { cliNodeArgs, PROJECT_ROOT, listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { killAllWorkers, spawnWorker, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { monthBefore } from '../support/report-reference.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { killChild, tearDown } from '../support/teardown.js';

const SECRET = randomBytes(24).toString('hex');
const TOKEN = `tok_CANARY_${SECRET}`;
/** Whole, its random part, and half of that: a truncated copy counts as a leak too. */
const NEEDLES = [TOKEN, SECRET, SECRET.slice(0, 24)];

let sandbox: Sandbox;
let redis: Redis;
let queue: Queue;
let prefix: string;
let tmp: string;
let out: string;
let month: string;
let earlier: string;
/** Everything gathered, by where it came from. */
const haystacks = new Map<string, string>();
const results = new Map<string, CliResult>();
let metricsWorker: { child: ChildProcess; output: () => string } | null = null;
let workers: WorkerProcess[] = [];

function spoilEvents(): void {
  let spoiled = false;
  sandbox.setResponseTransform((endpoint, body) => {
    const page = body as { events?: Array<Record<string, unknown>> };
    if (endpoint !== 'events' || spoiled || !page.events?.length) return body;
    spoiled = true;
    const odd = cloneWire(page);
    odd.events![0]!.created_at = TOKEN;
    return odd;
  });
}

async function startMetricsWorker(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [...cliNodeArgs(), 'worker', '--concurrency', '3', '--metrics-port', '0'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  metricsWorker = { child, output: () => text };
  const deadline = Date.now() + 20_000;
  while (!text.includes('"worker started"')) {
    if (child.exitCode !== null) throw new Error(`metrics worker exited with ${child.exitCode}:\n${text}`);
    if (Date.now() > deadline) throw new Error(`metrics worker not ready within 20 s:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const line = text.split('\n').find((l) => l.includes('"metrics listening"'))!;
  return (JSON.parse(line) as { url: string }).url;
}

/** SCANs the deployment's keys every 200 ms until stopped, keeping every key and value it ever saw. */
function sampleRedis(): { stop(): Promise<{ samples: number; text: string; keys: Set<string> }> } {
  let running = true;
  let samples = 0;
  const seen: string[] = [];
  const keys = new Set<string>();
  const loop = (async () => {
    while (running) {
      const found = await scanKeys(redis, `*${prefix}*`);
      for (const k of found) keys.add(k);
      seen.push(await dumpKeys(redis, found));
      samples += 1;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, text: seen.join('\n'), keys };
    },
  };
}

beforeAll(async () => {
  const nowSec = Math.floor(Date.now() / 1000);
  sandbox = await startSandbox({
    contacts: 120,
    seed: 21,
    nowSec,
    token: TOKEN,
    // A one-second window keeps the pause after each 429 short; the allowance itself never binds.
    rateLimit: { allowancePerWindow: 100_000, windowSeconds: 1 },
    faults: { seed: 5, serverErrorRate: 0.03, dropRate: 0.01, nonJsonRate: 0.01, burst429: { everyNthRequest: 70, length: 2 } },
  });
  const listed = [...new Set([...sandbox.workspace.membersByCohort.values()].flat())];
  sandbox.setFaults({
    seed: 5,
    serverErrorRate: 0.03,
    dropRate: 0.01,
    nonJsonRate: 0.01,
    burst429: { everyNthRequest: 70, length: 2 },
    vanishContactIds: listed.filter((_, i) => i % 30 === 0),
  });
  redis = createTestRedis();
  prefix = testPrefix('security-token');
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  tmp = await mkdtemp(join(tmpdir(), 'security-token-'));
  out = join(tmp, 'reports');
  month = lastEndedMonth(nowSec, 'UTC');
  earlier = monthBefore(month);

  const env: Record<string, string> = {
    INTERCOM_BASE_URL: sandbox.url,
    INTERCOM_TOKEN: TOKEN,
    REDIS_URL: redisUrl(),
    COHORT_REPORTS_PREFIX: prefix,
    COHORT_REPORTS_OUT: out,
    RATE_LIMIT_ALLOWANCE: '20000',
    LOG_LEVEL: 'trace',
    // The CLI prints the stack of a failure with this set: the stacks are searched too.
    COHORT_REPORTS_DEBUG: '1',
  };
  const cli = async (name: string, args: string[]): Promise<CliResult> => {
    const result = await runCli(args, env, { timeoutMs: 60_000 });
    results.set(name, result);
    haystacks.set(`${name}: stdout`, result.stdout);
    haystacks.set(`${name}: stderr`, result.stderr);
    return result;
  };

  // The single-process run: once through the faults, once into the spoiled answer.
  await cli('run', ['run', '--month', month, '--out', out, '--concurrency', '6']);
  spoilEvents();
  await cli('run (spoiled)', ['run', '--month', earlier, '--allow-partial', '--out', out]);
  sandbox.setResponseTransform(null);

  // The distributed run: three workers, one of them serving metrics, every key sampled meanwhile.
  const workerEnv = { ...workerEnvironment({ baseUrl: sandbox.url, token: TOKEN, redisUrl: redisUrl(), prefix, outDir: out, allowance: 20_000 }), LOG_LEVEL: 'trace', COHORT_REPORTS_DEBUG: '1' };
  const sampler = sampleRedis();
  const [metricsUrl, ...started] = await Promise.all([startMetricsWorker(workerEnv), spawnWorker(workerEnv, 3), spawnWorker(workerEnv, 3)]);
  workers = started;
  await cli('enqueue', ['enqueue', '--month', month, '--wait']);
  spoilEvents();
  await cli('enqueue (spoiled)', ['enqueue', '--month', earlier, '--allow-partial', '--wait']);
  sandbox.setResponseTransform(null);
  await cli('status', ['status']);
  haystacks.set('metrics', await (await fetch(metricsUrl!, { signal: AbortSignal.timeout(10_000) })).text());

  // The dashboard over the deployment's queue: its page and every API answer about every job.
  const dashboard = await startDashboard({ app: createDashboardApp({ queues: [queue], auth: null }), host: '127.0.0.1', port: 0 });
  try {
    const get = async (path: string): Promise<string> => {
      const response = await fetch(new URL(path, dashboard.url), { signal: AbortSignal.timeout(10_000) });
      return `${response.status} ${await response.text()}`;
    };
    const pages = ['/', '/api/queues', '/api/redis/stats'];
    for (const status of ['completed', 'failed', 'active', 'waiting', 'waiting-children', 'delayed']) {
      pages.push(`/api/queues?activeQueue=${QUEUE_NAME}&status=${status}&page=1&jobsPerPage=1000`);
    }
    const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'waiting-children', 'delayed'], 0, 5000);
    for (const job of jobs) pages.push(`/api/queues/${QUEUE_NAME}/${encodeURIComponent(job.id!)}`, `/api/queues/${QUEUE_NAME}/${encodeURIComponent(job.id!)}/logs`);
    for (const path of pages) haystacks.set(`dashboard ${path}`, await get(path));
    haystacks.set('bullmq jobs as JSON', JSON.stringify(jobs.map((j) => j.asJSON())));
  } finally {
    await dashboard.close();
  }

  const sampled = await sampler.stop();
  const finalKeys = await scanKeys(redis, `*${prefix}*`);
  haystacks.set('redis (sampled during the runs)', sampled.text);
  haystacks.set('redis (at the end)', await dumpKeys(redis, finalKeys));
  haystacks.set('redis key names', [...sampled.keys, ...finalKeys].join('\n'));

  for (const wp of [...workers, ...(metricsWorker ? [metricsWorker] : [])]) {
    const exited = once(wp.child, 'exit');
    wp.child.kill('SIGTERM');
    await exited;
  }
  workers.forEach((wp, i) => haystacks.set(`worker ${i + 1}`, wp.output()));
  haystacks.set('worker with metrics', metricsWorker!.output());
  for (const f of await listFiles(tmp)) haystacks.set(`file ${f}`, await readFile(join(tmp, f), 'utf8'));
}, 120_000);

afterAll(async () => {
  await killAllWorkers();
  await killChild(metricsWorker?.child);
  await tearDown({ prefix, queue, redis, sandbox, tmp });
});

describe('after a faulty run of every process at trace level', () => {
  it('the run really was faulty and failed where it should: faults injected, a spoiled run and a spoiled job failed', () => {
    const f = sandbox.counters.faultsInjected;
    expect(f.serverError + f.drop + f.nonJson).toBeGreaterThan(3);
    expect(f.burst429).toBeGreaterThan(0);
    expect(f.vanish).toBeGreaterThan(0);
    expect(results.get('run')?.code, results.get('run')?.stderr).toBe(0);
    expect(results.get('run (spoiled)')?.code).toBe(1);
    expect(results.get('run (spoiled)')?.stderr).toMatch(/events\[0\]\.created_at: expected Unix seconds, received a string/);
    // The stack was printed (COHORT_REPORTS_DEBUG), so the search below covers it.
    expect(results.get('run (spoiled)')?.stderr).toMatch(/\n\s+at /);
    expect(results.get('enqueue')?.code, results.get('enqueue')?.stderr).toBe(0);
    expect(results.get('enqueue (spoiled)')?.code).toBe(1);
    expect(results.get('status')?.stdout).toMatch(new RegExp(`${earlier} UTC .*: failed`));
  });

  it('the search covers what it claims: debug lines of every process, files, Redis job data, dashboard jobs, metrics', () => {
    // Nothing logs at trace itself; debug lines (one per HTTP answer) show the low levels were on.
    for (const name of ['run: stderr', 'run (spoiled): stderr', 'worker 1', 'worker 2', 'worker with metrics']) {
      expect(haystacks.get(name), name).toMatch(/"level":20,.*"intercom response"/);
    }
    // Five month tables (conversations among them), trends.csv and retention.csv.
    expect([...haystacks.keys()].filter((k) => k.startsWith('file ') && k.endsWith('.csv')).length).toBe(7);
    expect([...haystacks.keys()].some((k) => /\.journal\.jsonl$/.test(k))).toBe(true);
    const redisText = haystacks.get('redis (sampled during the runs)')!;
    expect(redisText).toMatch(/contactIds/);
    expect(redisText).toMatch(/stacktrace/);
    expect(haystacks.get('redis key names')).toContain(`${prefix}:rate-limit:`);
    expect([...haystacks.keys()].filter((k) => k.startsWith('dashboard /api/queues/')).length).toBeGreaterThan(1);
    expect(haystacks.get('metrics')).toMatch(/cohort_reports_intercom_requests_total\{endpoint="events"\} [1-9]/);
  });

  it('the token, whole or in part, appears in none of it', () => {
    expect(sandbox.counters.requests).toBeGreaterThan(100);
    const leaks: string[] = [];
    for (const [where, text] of haystacks) {
      for (const needle of NEEDLES) {
        const at = text.indexOf(needle);
        if (at >= 0) leaks.push(`${where}: …${text.slice(Math.max(0, at - 120), at + needle.length + 40)}…`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
