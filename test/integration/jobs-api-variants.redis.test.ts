/**
 * The distributed run (real worker processes, real Redis) against the API answers of issue 10: next
 * links on Intercom's host behind a proxy base URL, a segment list in pages, a pages object claiming
 * more without a way to it, and the three GET /events page-size regimes. Two workers are started once
 * with a proxy as their base URL; each case points the proxy at a fresh sandbox (same workspace, same
 * token, its own variant, links on Intercom's host as behind any proxy) and enqueues the month into its own output folder. CSVs are compared byte
 * for byte with the reference computed from the ground truth, events calls with the minimum.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { generateWorkspace, type SandboxVariant, type SandboxWorkspace } from '../../src/sandbox/index.js';
import { minimumEventsCalls, PAGE_SIZE_REGIMES, regimeOutcome } from '../support/api-variants.js';
import { listFiles } from '../support/e2e-cli.js';
import { startE2eProxy, type E2eProxy } from '../support/e2e-proxy.js';
import { expectedReports, lastEndedMonth, monthStartSec } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { killAllWorkers, spawnWorker, waitForJobState, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { createTestRedis, deleteKeys, redisUrl, testPrefix } from '../support/redis.js';
import { monthBefore } from '../support/report-reference.js';

const CONTACTS = 300;
const TOKEN = 'variants-test-token';
const clockMs = Math.floor(Date.now() / 1000) * 1000;
const month = lastEndedMonth(clockMs / 1000, 'UTC');
const prefix = testPrefix('jobs-variants');

let workspace: SandboxWorkspace;
let proxy: E2eProxy;
let redis: Redis;
let queue: Queue;
let tmp: string;
let workers: WorkerProcess[];

beforeAll(async () => {
  workspace = generateWorkspace({ contacts: CONTACTS, seed: 19, nowSec: clockMs / 1000 });
  proxy = await startE2eProxy({ prefix: '/vendors/intercom' });
  redis = createTestRedis();
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  tmp = await mkdtemp(join(tmpdir(), 'jobs-variants-'));
  const env = workerEnvironment({ baseUrl: proxy.url, token: TOKEN, redisUrl: redisUrl(), prefix, outDir: join(tmp, 'default'), allowance: 20_000 });
  workers = await Promise.all([1, 2].map(() => spawnWorker(env, 4)));
}, 60_000);

afterAll(async () => {
  await killAllWorkers();
  await queue?.obliterate({ force: true });
  await queue?.close();
  if (redis) await deleteKeys(redis, prefix);
  await redis?.quit();
  await proxy?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface Outcome {
  sb: E2eSandbox;
  outDir: string;
  state: string;
  failedReason: string | undefined;
  nowSec: number;
}

/** Points the proxy at a fresh sandbox with the variant, enqueues the month into `name`'s folder and waits for the end. */
async function runVariant(name: string, variant: SandboxVariant, transform?: Parameters<E2eSandbox['sandbox']['setResponseTransform']>[0]): Promise<Outcome> {
  // Behind the proxy, links name Intercom's host, as Intercom's own answers do.
  const sb = await startE2eSandbox({ workspace, clockMs, token: TOKEN, variant: { nextOrigin: 'https://api.intercom.io', ...variant } });
  if (transform) sb.sandbox.setResponseTransform(transform);
  proxy.setTarget(sb.sandbox.url);
  const outDir = join(tmp, name);
  const nowSec = Math.floor(Date.now() / 1000);
  const outcome = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec, allowPartial: false, outDir }, (runId) =>
    createRedisStore({ redis, prefix, runId }).clear(),
  );
  const state = await waitForJobState(queue, outcome.jobId, ['completed', 'failed'], 90_000, () => workers.map((w) => w.output().slice(-3000)).join('\n'));
  const failedReason = (await queue.getJob(outcome.jobId))?.failedReason;
  return { sb, outDir, state, failedReason, nowSec };
}

async function expectReference(o: Outcome): Promise<void> {
  expect(o.state, o.failedReason).toBe('completed');
  const expected = expectedReports(workspace, { months: [month], timeZone: 'UTC', clockMs, nowSec: o.nowSec });
  for (const [path, text] of expected.files) expect(await readFile(join(o.outDir, path), 'utf8'), path).toBe(text);
}

describe('distributed run: next links on Intercom’s host, behind a proxy base URL', () => {
  it('writes the reference CSVs, and every request addresses the configured origin', async () => {
    const o = await runVariant('next-origin', { segmentsPerPage: 3 });
    try {
      await expectReference(o);
      const { counters } = o.sb.sandbox;
      expect([...counters.requestsByHost.keys()]).toEqual([proxy.host]);
      expect([...counters.eventsCallsByContact.values()].some((n) => n >= 2)).toBe(true);
    } finally {
      await o.sb.close();
    }
  });
});

describe('distributed run: a segment list in pages', () => {
  it.each([2, 1])('with %i segment(s) per page, reports every cohort as the reference does', async (perPage) => {
    const o = await runVariant(`segments-${perPage}`, { segmentsPerPage: perPage });
    try {
      await expectReference(o);
      expect(o.sb.sandbox.counters.byEndpoint.segments).toBe(Math.ceil(workspace.segments.length / perPage));
    } finally {
      await o.sb.close();
    }
  });

  it('fails the run on a pages object that claims more without a way to it, writing nothing', async () => {
    const o = await runVariant('segments-claim', { segmentsPerPage: 2 }, (endpoint, body) => {
      if (endpoint !== 'segments') return body;
      const { pages, ...rest } = body as { pages: { total_pages: number } };
      return { ...rest, pages: { type: 'pages', total_pages: pages.total_pages } };
    });
    try {
      expect(o.state).toBe('failed');
      expect(o.failedReason).toMatch(/cannot be followed to its end/);
      expect(await listFiles(o.outDir)).toEqual([]);
      expect(o.sb.sandbox.counters.byEndpoint.segments).toBe(1);
    } finally {
      await o.sb.close();
    }
  });
});

describe('distributed run: GET /events page-size regimes', () => {
  it.each(PAGE_SIZE_REGIMES.map((r) => [r.name, r] as const))('%s: the reference CSVs, with exactly the minimum events calls over both workers', async (_name, regime) => {
    const o = await runVariant(`regime-${regime.variant.eventsPerPageMax}-${regime.variant.eventsOverMax ?? 'clamp'}`, regime.variant);
    try {
      await expectReference(o);
      const minimum = minimumEventsCalls(workspace, regime.variant, { clockMs, fromSec: monthStartSec(monthBefore(month), 'UTC') });
      const { counters } = o.sb.sandbox;
      expect(Object.fromEntries(counters.eventsCallsByContact)).toEqual(Object.fromEntries(minimum.byContact));
      expect(counters.byEndpoint.events).toBe(minimum.total);
      const manifest = JSON.parse(await readFile(join(o.outDir, month, 'manifest.json'), 'utf8')) as { source: Record<string, unknown> };
      expect(manifest.source).toMatchObject({ events_per_page: regimeOutcome(regime.variant).sentPerPage });
    } finally {
      await o.sb.close();
    }
  });
});
