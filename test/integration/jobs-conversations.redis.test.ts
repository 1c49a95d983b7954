/**
 * cohort_conversations.csv in a distributed run: real Redis, the real sandbox serving conversations
 * placed on the edges of October and November 2026 in America/New_York (conversations-edges.ts), and
 * workers started as `cohort-reports run`'s deployment starts them.
 * - A token without the Read conversations permission: the run job fails for good on its first call
 *   (the access probe), with one line naming the permission and the way out, and nothing else happens.
 * - kill -9 of the worker while the months' list-conversations jobs run: a new worker picks the stalled
 *   jobs up from their recorded cursors and the run completes with the reference's reports.
 * The sandbox's clock is frozen on 2026-12-05 (both months have ended in every zone) and the run is
 * planned at a fixed `nowSec`, so the reference knows exactly what the workers were asked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { QUEUE_NAME } from '../../jobs/job-types.js';
import { startWorker, type WorkerHandle } from '../../jobs/start-worker.js';
import { loadConfig } from '../../src/config.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { generateWorkspace, type SandboxWorkspace } from '../../src/sandbox/index.js';
import { conversationPagesForRule, conversationsVariant, isListingSearch, monthWindow, placeEdgeConversations } from '../support/conversations-edges.js';
import { listFiles } from '../support/e2e-cli.js';
import { CONVERSATION_PADDING_SEC, expectedReports } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { killAllWorkers, killWorker, spawnWorker, waitForJobState, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { openTestQueue } from '../support/teardown.js';

/** 2026-12-05T12:00:00Z: October and November 2026 have ended in every zone. */
const CLOCK_MS = Date.UTC(2026, 11, 5, 12);
const FROM = '2026-10';
const TO = '2026-11';
const MONTHS = [FROM, TO];
const ZONE = 'America/New_York';
const ALLOWANCE = 20_000;
const CONCURRENCY = 4;
/** How long the sandbox holds its answers once the kill point is reached (the worker is killed long before). */
const HOLD_MS = 20_000;
/** A worker's lock lasts 10 s and stalled jobs are looked for every 5 s (jobs/start-worker.ts): the retry comes within ~15 s. */
const RUN_TIMEOUT_MS = 45_000;

let workspace: SandboxWorkspace;
let allowed: E2eSandbox;
let denied: E2eSandbox;
let redis: Redis;
let tmp: string;
/** Every run of this file is planned at this second, and the reference told so. */
let nowSec: number;
const cleanups: Array<() => Promise<void>> = [];

/** Queues the two months as `cohort-reports enqueue --from --to --timezone` does. */
async function enqueueMonths(queue: Queue, prefix: string): Promise<{ jobId: string; runId: string }> {
  const outcome = await enqueueRun(queue, { from: FROM, to: TO, timeZone: ZONE, nowSec, allowPartial: true }, (runId) =>
    createRedisStore({ redis, prefix, runId }).clear(),
  );
  expect(outcome.kind).toBe('added');
  return { jobId: outcome.jobId, runId: outcome.runId };
}

beforeAll(async () => {
  const base = generateWorkspace({ contacts: 300, seed: 31, nowSec: CLOCK_MS / 1000 });
  // Two pages or more in each month, so every listing can be stopped between its pages.
  const inside = (month: string, count: number): { fromSec: number; toSec: number; count: number } => {
    const w = monthWindow(month, 'UTC');
    return { fromSec: w.startSec + 3 * 86_400, toSec: w.endSec - 3 * 86_400, count };
  };
  ({ workspace } = placeEdgeConversations(base, { edges: MONTHS.map((month) => ({ month, zone: ZONE })), fillers: [inside(FROM, 150), inside(TO, 200)] }));
  allowed = await startE2eSandbox({ workspace, clockMs: CLOCK_MS, allowance: ALLOWANCE, variant: conversationsVariant({ dateRule: 'strict' }) });
  denied = await startE2eSandbox({ workspace, clockMs: CLOCK_MS, allowance: ALLOWANCE, variant: conversationsVariant({ readConversations: false }) });
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'jobs-conversations-'));
  nowSec = Math.floor(Date.now() / 1000);
});

afterEach(async () => {
  await killAllWorkers();
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

afterAll(async () => {
  await killAllWorkers();
  await allowed?.close();
  await denied?.close();
  await redis?.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a distributed run with a token that may not read conversations', () => {
  let handle: WorkerHandle | null = null;
  afterEach(async () => {
    await handle?.drain(5_000);
    handle = null;
  });

  it('fails the run job for good after one conversations search, with one line naming the permission, before any event call, writing nothing', async () => {
    const prefix = testPrefix('jobs-conv-denied');
    const queue = openTestQueue(prefix, redis, cleanups);
    const outDir = join(tmp, 'denied-out');
    const { config } = loadConfig({
      env: { INTERCOM_BASE_URL: denied.sandbox.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix, COHORT_REPORTS_OUT: outDir, RATE_LIMIT_ALLOWANCE: String(ALLOWANCE) },
      requireToken: false,
    });
    handle = await startWorker({ config, token: denied.sandbox.token, concurrency: 2, log: pino({ level: 'silent' }) });
    // The worker read its workspace (GET /me) when it started; count from here.
    denied.freshRun();
    const { jobId, runId } = await enqueueMonths(queue, prefix);

    expect(await waitForJobState(queue, jobId, ['completed', 'failed'], 20_000)).toBe('failed');
    const job = (await queue.getJob(jobId))!;
    expect(job.failedReason).toMatch(/^INTERCOM_AUTHENTICATION: /);
    expect(job.failedReason).not.toContain('\n');
    expect(job.failedReason).toMatch(/Read conversations/);
    expect(job.failedReason).toContain('report.conversations: false');
    expect(job.failedReason).not.toContain(denied.sandbox.token);
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1);

    const calls = denied.sandbox.counters.byEndpoint;
    expect(calls['conversations.search']).toBe(1);
    expect({ events: calls.events, search: calls['contacts.search'], segments: calls.segments, tags: calls.tags }).toEqual({ events: 0, search: 0, segments: 0, tags: 0 });
    expect(await listFiles(outDir)).toEqual([]);
    // Nothing recorded either: a run enqueued again after the fix starts from the beginning.
    expect(await createRedisStore({ redis, prefix, runId }).loadCohorts()).toBeNull();
  });
});

describe('kill -9 of a worker while list-conversations jobs run', () => {
  it('a new worker resumes the listings from their cursors and the run writes the reference reports', async () => {
    const prefix = testPrefix('jobs-conv-kill');
    const queue = openTestQueue(prefix, redis, cleanups);
    const outDir = join(tmp, 'kill-out');
    const env = workerEnvironment({ baseUrl: allowed.sandbox.url, token: allowed.sandbox.token, redisUrl: redisUrl(), prefix, outDir, allowance: ALLOWANCE });
    const workers: WorkerProcess[] = [await spawnWorker(env, CONCURRENCY)];
    const output = (): string => workers.map((w, i) => `--- worker ${i} ---\n${w.output().split('\n').slice(-30).join('\n')}`).join('\n');
    const pages = MONTHS.map((month) => conversationPagesForRule(workspace, month, ZONE, 'strict'));
    for (const n of pages) expect(n).toBeGreaterThanOrEqual(2);

    // The kill point: once a listing page is answered, every later answer is held back, so the worker
    // dies with a page of a month recorded and its next one in flight, wherever the machine's speed.
    allowed.freshRun();
    let held = false;
    allowed.sandbox.setResponseTransform((endpoint, body, _url, request) => {
      if (!held && endpoint === 'conversations.search' && isListingSearch(request.body)) {
        held = true;
        allowed.sandbox.setFaults({ slowRate: 1, slowMs: HOLD_MS });
      }
      return body;
    });
    let runId: string;
    let jobId: string;
    let cursorsAtKill: Array<string | null>;
    try {
      ({ jobId, runId } = await enqueueMonths(queue, prefix));
      const store = createRedisStore({ redis, prefix, runId });
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      for (;;) {
        const progress = await Promise.all(MONTHS.map((month) => store.conversationProgress(month)));
        if (progress.some((p) => p.pages > 0)) {
          // Mid-listing: a page recorded, and no month done (each needs two pages or more, and every
          // request that arrived after the first listing page was answered is held back).
          expect(progress.every((p) => !p.done)).toBe(true);
          cursorsAtKill = progress.map((p) => p.cursor);
          break;
        }
        if (Date.now() > deadline) throw new Error(`no page of conversations recorded:\n${output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const active = await queue.getJobs(['active']);
      expect(active.some((j) => j.name === 'list-conversations'), active.map((j) => j.name).join(', ')).toBe(true);
      await killWorker(workers[0]!, 'SIGKILL');
    } finally {
      allowed.sandbox.setFaults({});
      allowed.sandbox.setResponseTransform(null);
    }

    // Which month each later listing call is for (by its lower bound), and the cursor it starts from.
    const lowerBounds = MONTHS.map((month) => monthWindow(month, ZONE).startSec - CONVERSATION_PADDING_SEC);
    const resumedFrom = new Map<string, Array<string | null>>(MONTHS.map((month) => [month, []]));
    allowed.sandbox.setResponseTransform((endpoint, body, _url, request) => {
      if (endpoint === 'conversations.search' && isListingSearch(request.body)) {
        const search = request.body as { query: { value: Array<{ operator: string; value: number }> }; pagination?: { starting_after?: string } };
        const gt = search.query.value.find((f) => f.operator === '>')?.value;
        resumedFrom.get(MONTHS[lowerBounds.indexOf(gt ?? NaN)] ?? '?')?.push(search.pagination?.starting_after ?? null);
      }
      return body;
    });
    try {
      workers.push(await spawnWorker(env, CONCURRENCY));
      expect(await waitForJobState(queue, jobId, ['completed', 'failed'], RUN_TIMEOUT_MS, output)).toBe('completed');
    } finally {
      allowed.sandbox.setResponseTransform(null);
    }
    // Each month's listing went on from the cursor recorded before the kill (null: its first page).
    MONTHS.forEach((month, i) => {
      expect(resumedFrom.get(month)![0], month).toBe(cursorsAtKill[i]);
      expect(resumedFrom.get(month)!.length, month).toBe(pages[i]! - (cursorsAtKill[i] === null ? 0 : 1));
    });
    const expected = expectedReports(workspace, { months: MONTHS, timeZone: ZONE, clockMs: CLOCK_MS, nowSec });
    for (const [path, text] of expected.files) expect(await readFile(join(outDir, path), 'utf8'), path).toBe(text);

    // One probe; each needed page once; at most one page in flight per month's job when the worker died.
    const needed = pages[0]! + pages[1]!;
    const calls = allowed.sandbox.counters.byEndpoint['conversations.search'];
    expect(calls).toBeGreaterThanOrEqual(1 + needed);
    expect(calls).toBeLessThanOrEqual(1 + needed + MONTHS.length);
  }, 90_000);
});
