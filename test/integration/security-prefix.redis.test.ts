/**
 * Two deployments on one Redis, told apart only by COHORT_REPORTS_PREFIX, each with its own sandbox
 * workspace (own token, own contacts). They run on a Redis database of their own (the shared Redis,
 * database 11), so a SCAN there sees every key they made and nothing else.
 *
 * A run queued in A while only B has a worker is never taken by B's worker: B completes its own run
 * while A's stays waiting and A's workspace hears nothing. Then A gets a worker and both deployments
 * run at once. `status` lists each deployment's runs only, every key lies under its deployment's
 * prefix, and each workspace saw the calls of its own deployment only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { scanKeys } from '../support/badinput-redis-dump.js';
import { listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import { lastEndedMonth, listedContactIds } from '../support/e2e-reference.js';
import { killAllWorkers, spawnWorker, waitForJobState, workerEnvironment } from '../support/jobs-workers.js';
import { monthBefore } from '../support/report-reference.js';
import { redisUrl } from '../support/redis.js';

const DATABASE = 11;

interface Deployment {
  name: 'A' | 'B';
  prefix: string;
  sandbox: Sandbox;
  out: string;
  queue: Queue;
  env: Record<string, string>;
}

let url: string;
let redis: Redis;
let tmp: string;
let a: Deployment;
let b: Deployment;
let keysBefore: Set<string>;
let month: string;
const log: string[] = [];

async function deployment(name: 'A' | 'B', seed: number, nowSec: number): Promise<Deployment> {
  const prefix = `security-prefix-${name.toLowerCase()}-${randomUUID()}`;
  const sandbox = await startSandbox({ contacts: 60, seed, nowSec });
  const out = join(tmp, name);
  const env = { ...workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: url, prefix, outDir: out, allowance: 20_000 }) } as Record<string, string>;
  const queue = new Queue(QUEUE_NAME, { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix: bullPrefix(prefix) });
  return { name, prefix, sandbox, out, queue, env };
}

async function cli(d: Deployment, args: string[]): Promise<CliResult> {
  const result = await runCli(args, d.env, { timeoutMs: 60_000 });
  log.push(`${d.name} ${args.join(' ')} → ${result.code}\n${result.stdout}${result.stderr}`);
  return result;
}

function jobIdOf(result: CliResult): string {
  const match = /\(job ([^)]+)\)/.exec(result.stdout);
  if (!match) throw new Error(`no job id in: ${result.stdout}${result.stderr}`);
  return match[1]!;
}

/** The deployment's keys: its own `<prefix>:…` and its queue's `{<prefix>}:…`. */
function ownedBy(d: Deployment, key: string): boolean {
  return key.startsWith(`${d.prefix}:`) || key.startsWith(`${bullPrefix(d.prefix)}:`);
}

beforeAll(async () => {
  const base = new URL(redisUrl());
  base.pathname = `/${DATABASE}`;
  url = base.toString();
  redis = new Redis(url, { maxRetriesPerRequest: null });
  keysBefore = new Set(await scanKeys(redis, '*'));
  tmp = await mkdtemp(join(tmpdir(), 'security-prefix-'));
  const nowSec = Math.floor(Date.now() / 1000);
  month = lastEndedMonth(nowSec, 'UTC');
  a = await deployment('A', 31, nowSec);
  b = await deployment('B', 32, nowSec);
}, 60_000);

afterAll(async () => {
  await killAllWorkers();
  for (const d of [a, b]) {
    if (!d) continue;
    await d.queue.obliterate({ force: true }).catch(() => {});
    await d.queue.close();
    await d.sandbox.close();
  }
  if (redis) {
    for (const d of [a, b]) if (d) for (const key of (await scanKeys(redis, '*')).filter((k) => ownedBy(d, k))) await redis.del(key);
    await redis.quit();
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every key seen right after both runs finished (before any had time to expire). */
const keysWhileRunning = new Set<string>();

describe('two deployments on one Redis, different prefixes', () => {
  let aJob: string;
  let bJob: string;
  let bEarlier: string;

  it("a run queued in A is not taken by B's worker, which completes B's own run meanwhile", async () => {
    await spawnWorker(b.env, 4);
    const queuedA = await cli(a, ['enqueue', '--month', month]);
    expect(queuedA.code, queuedA.stderr).toBe(0);
    aJob = jobIdOf(queuedA);
    const doneB = await cli(b, ['enqueue', '--month', month, '--wait']);
    expect(doneB.code, log.join('\n')).toBe(0);
    bJob = jobIdOf(doneB);
    // --wait ends, like `run`, with the page that links every month.
    expect(doneB.stdout.trimEnd().split('\n').at(-1)).toBe(`open ${pathToFileURL(join(b.out, 'index.html')).href}`);
    expect(await a.queue.getJobState(aJob)).toBe('waiting');
    // A's workspace heard only A's own enqueue (who it is, and its segments and tags for the selection).
    const heardByA = a.sandbox.counters.byEndpoint;
    expect(heardByA.me).toBe(1);
    expect(a.sandbox.counters.requests).toBe(heardByA.me + heardByA.segments + heardByA.tags);
    expect(heardByA['contacts.search'] + heardByA.events).toBe(0);
    expect(b.sandbox.counters.requests).toBeGreaterThan(60);
  });

  it('with a worker each, both run at the same time, each workspace hearing only its own deployment', async () => {
    // Both runs are held (every answer of both workspaces takes a second) until each is seen under way.
    for (const d of [a, b]) d.sandbox.setFaults({ slowRate: 1, slowMs: 1000 });
    bEarlier = jobIdOf(await cli(b, ['enqueue', '--month', monthBefore(month), '--allow-partial']));
    await waitForJobState(b.queue, bEarlier, ['active', 'waiting-children'], 30_000, () => log.join('\n'));
    await spawnWorker(a.env, 4);
    await waitForJobState(a.queue, aJob, ['active', 'waiting-children'], 30_000, () => log.join('\n'));
    const live = ['active', 'waiting-children'];
    expect([live.includes(await a.queue.getJobState(aJob)), live.includes(await b.queue.getJobState(bEarlier))]).toEqual([true, true]);
    for (const d of [a, b]) d.sandbox.setFaults({});
    expect(await waitForJobState(a.queue, aJob, ['completed', 'failed'], 60_000, () => log.join('\n'))).toBe('completed');
    expect(await waitForJobState(b.queue, bEarlier, ['completed', 'failed'], 60_000, () => log.join('\n'))).toBe('completed');
    // Every events call named a contact of the workspace it reached.
    for (const d of [a, b]) {
      const own = listedContactIds(d.sandbox.workspace);
      const called = [...d.sandbox.counters.eventsCallsByContact.keys()];
      expect(called.length, d.name).toBeGreaterThan(0);
      expect(called.filter((id) => !own.has(id)), d.name).toEqual([]);
    }
    expect(await listFiles(a.out)).toContain(`${month}/cohort_summary.csv`);
    expect((await listFiles(a.out)).filter((f) => f.startsWith(`${monthBefore(month)}/`))).toEqual([]);
    expect(await listFiles(b.out)).toContain(`${monthBefore(month)}/cohort_summary.csv`);
    // The rate-limit keys expire about a window after the last request: seen now, while both are fresh.
    for (const k of await scanKeys(redis, '*')) keysWhileRunning.add(k);
  });

  it("status lists each deployment's runs and no other", async () => {
    const statusA = await cli(a, ['status']);
    const statusB = await cli(b, ['status']);
    expect(statusA.code).toBe(0);
    expect(statusB.code).toBe(0);
    const runLines = (r: CliResult): string[] => r.stdout.split('\n').filter((l) => / UTC \(/.test(l)).map((l) => /\(([^)]+)\)/.exec(l)![1]!).sort();
    expect(runLines(statusA)).toEqual([aJob]);
    expect(runLines(statusB)).toEqual([bJob, bEarlier].sort());
  });

  it('every key either deployment made lies under its own prefix, and each has its queue, store and rate-limit keys', async () => {
    const made = [...new Set([...keysWhileRunning, ...(await scanKeys(redis, '*'))])].filter((k) => !keysBefore.has(k));
    const stray = made.filter((k) => !ownedBy(a, k) && !ownedBy(b, k));
    expect(stray).toEqual([]);
    for (const d of [a, b]) {
      const own = made.filter((k) => ownedBy(d, k));
      expect(own.some((k) => k.startsWith(`${bullPrefix(d.prefix)}:${QUEUE_NAME}:`)), d.name).toBe(true);
      expect(own.some((k) => k.startsWith(`${d.prefix}:rate-limit:`)), d.name).toBe(true);
    }
    expect(made.filter((k) => ownedBy(a, k) && ownedBy(b, k))).toEqual([]);
  });
});
