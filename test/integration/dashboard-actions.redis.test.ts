/**
 * What the board may do to the queue, through two real `cohort-reports dashboard` processes over one
 * real queue: read-only by default (every action refused), and with --allow-actions only retry,
 * promote and remove of one job — add, pause, resume, concurrency, clean, empty, obliterate and the
 * rest refused whatever Bull Board itself would allow, with no key of the queue touched. Also: the
 * gate's route table is exactly Bull Board's, so an upgrade that adds a route fails here first.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { BULL_BOARD_API_ROUTES } from '../../src/dashboard/index.js';
import { send, spawnDashboard, type DashboardProcess, type RawRequest } from '../support/dashboard-http.js';
import { createTestRedis, testPrefix } from '../support/redis.js';
import { killChild, tearDown } from '../support/teardown.js';

let redis: Redis;
let queue: Queue;
let prefix: string;
let readOnly: DashboardProcess;
let acting: DashboardProcess;
/** Job ids by role: failed (F), delayed (D), waiting (W). */
const ids = { failed: [] as string[], delayed: [] as string[], waiting: [] as string[] };

/** What the browser's page sends with an action: its own Origin, Sec-Fetch-Site and a JSON body. */
function action(dashboard: DashboardProcess, method: string, body?: unknown): RawRequest {
  return {
    method,
    headers: { origin: dashboard.url.replace(/\/$/, ''), 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  };
}

async function queueKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${bullPrefix(prefix)}:${QUEUE_NAME}:*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** Everything a refused action could have changed, read straight from Redis through BullMQ. */
async function snapshot(): Promise<unknown> {
  const all = [...ids.failed, ...ids.delayed, ...ids.waiting];
  const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized', 'waiting-children'], 0, 1000);
  return {
    keys: await queueKeys(),
    counts: await queue.getJobCounts(),
    states: await Promise.all(all.map(async (id) => [id, await queue.getJobState(id)])),
    data: jobs.map((j) => [j.id, j.name, j.data, j.opts.priority ?? 0, j.opts.delay ?? 0]).sort(),
    paused: await queue.isPaused(),
    concurrency: await queue.getGlobalConcurrency(),
    rateLimitTtl: await queue.getRateLimitTtl(),
  };
}

/** The requests that must never act, whatever the mode: each Bull Board route but reads and the three job actions. */
function neverRequests(d: DashboardProcess): Array<[string, RawRequest]> {
  const [f, dl, w] = [ids.failed[1]!, ids.delayed[1]!, ids.waiting[1]!];
  const month = { name: 'month-run', data: { outDir: '/tmp/victim', month: '2026-01' }, options: {} };
  return [
    [`/api/queues/${QUEUE_NAME}/add`, action(d, 'POST', month)],
    ['/api/queues/pause', action(d, 'PUT')],
    ['/api/queues/resume', action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/pause`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/resume`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/concurrency`, action(d, 'PUT', { concurrency: 1 })],
    [`/api/queues/${QUEUE_NAME}/rate-limit`, action(d, 'PUT', { max: 1, duration: 60_000 })],
    [`/api/queues/${QUEUE_NAME}/rate-limit/release`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/clean/failed`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/clean/delayed`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/empty`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/obliterate`, action(d, 'PUT', {})],
    [`/api/queues/${QUEUE_NAME}/retry/failed`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/promote`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/${f}/update-data`, action(d, 'PATCH', { outDir: '/tmp/victim' })],
    [`/api/queues/${QUEUE_NAME}/${dl}/delay`, action(d, 'PATCH', { delay: 0 })],
    [`/api/queues/${QUEUE_NAME}/${w}/priority`, action(d, 'PATCH', { priority: 1 })],
    [`/api/queues/${QUEUE_NAME}/${f}/remove-unprocessed-children`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/job-schedulers/monthly/remove`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/job-schedulers/monthly`, action(d, 'PATCH', { pattern: '* * * * *' })],
    [`/api/queues/${QUEUE_NAME}/job-schedulers/monthly/run`, action(d, 'PUT')],
    // Express matches case-insensitively and with a trailing slash, as Bull Board's router does.
    [`/API/QUEUES/${QUEUE_NAME}/PAUSE/`, action(d, 'PUT')],
    [`/api/queues/${QUEUE_NAME}/obliterate/`, action(d, 'PUT', {})],
    // A job called "retry" would be ambiguous: Bull Board routes this to "retry every job in state retry".
    [`/api/queues/${QUEUE_NAME}/retry/retry`, action(d, 'PUT')],
    // A method Bull Board has no route for, and an allowed action under another method.
    [`/api/queues/${QUEUE_NAME}`, action(d, 'DELETE')],
    [`/api/queues/${QUEUE_NAME}/${f}/retry`, action(d, 'POST')],
  ];
}

beforeAll(async () => {
  redis = createTestRedis();
  prefix = testPrefix('dashboard-actions');
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  // Three failed jobs, taken and failed by hand (no processor runs, nothing else is picked up).
  for (let n = 0; n < 3; n++) ids.failed.push((await queue.add('probe', { n }, { attempts: 1 })).id!);
  const taker = new Worker(QUEUE_NAME, null, { connection: createTestRedis(), prefix: bullPrefix(prefix), autorun: false });
  for (let n = 0; n < 3; n++) {
    const token = randomUUID();
    const job = await taker.getNextJob(token);
    await job!.moveToFailed(new Error('planned failure'), token, false);
  }
  await taker.close();
  for (let n = 0; n < 3; n++) ids.delayed.push((await queue.add('probe', { n }, { delay: 3_600_000 })).id!);
  for (let n = 0; n < 3; n++) ids.waiting.push((await queue.add('probe', { n })).id!);
  [readOnly, acting] = await Promise.all([spawnDashboard(prefix, []), spawnDashboard(prefix, ['--allow-actions'])]);
});

afterAll(async () => {
  await killChild(readOnly?.child);
  await killChild(acting?.child);
  await tearDown({ prefix, queue, redis });
});

describe('the gate in front of Bull Board', () => {
  it("lists exactly Bull Board's API routes, in its order", () => {
    const require = createRequire(import.meta.url);
    const { appRoutes } = require('@bull-board/api/dist/routes.js') as { appRoutes: { api: Array<{ method: string; route: string }> } };
    expect(BULL_BOARD_API_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual(appRoutes.api.map((r) => `${r.method} ${r.route}`));
    expect(BULL_BOARD_API_ROUTES.filter((r) => r.kind === 'job-action').map((r) => r.path.split('/').pop())).toEqual(['retry', 'clean', 'promote']);
  });
});

describe('cohort-reports dashboard (read-only, the default)', () => {
  it('says it is read-only and tells the page so, which then offers no actions', async () => {
    expect(readOnly.output()).toMatch(/\(loopback, no authentication\), read-only\n/);
    const board = JSON.parse((await send(readOnly.url, '/api/queues')).body) as { queues: Array<{ readOnlyMode: boolean; allowRetries: boolean }> };
    expect(board.queues[0]).toMatchObject({ readOnlyMode: true, allowRetries: false });
  });

  it('refuses retry, promote and remove of a job, and every other action, with 403 and changes nothing', async () => {
    const before = await snapshot();
    const jobActions: Array<[string, RawRequest]> = [
      [`/api/queues/${QUEUE_NAME}/${ids.failed[0]}/retry`, action(readOnly, 'PUT')],
      [`/api/queues/${QUEUE_NAME}/${ids.delayed[0]}/promote`, action(readOnly, 'PUT')],
      [`/api/queues/${QUEUE_NAME}/${ids.waiting[0]}/clean`, action(readOnly, 'PUT')],
    ];
    for (const [path, request] of [...jobActions, ...neverRequests(readOnly)]) {
      const response = await send(readOnly.url, path, request);
      expect(response.status, `${request.method} ${path}: ${response.body}`).toBe(403);
      expect(response.body).toMatch(/^\{"error":"[^\n]+"\}\n$/);
    }
    const retry = await send(readOnly.url, jobActions[0]![0], jobActions[0]![1]);
    expect(JSON.parse(retry.body)).toEqual({ error: 'the dashboard is read-only: start it with --allow-actions to retry a job' });
    expect(await snapshot()).toEqual(before);
  });

  it('still answers every read the page makes', async () => {
    const f = ids.failed[0]!;
    for (const path of ['/', `/queue/${QUEUE_NAME}`, '/api/queues', '/api/redis/stats', `/api/queues/${QUEUE_NAME}/${f}`, `/api/queues/${QUEUE_NAME}/${f}/logs`, `/api/queues/${QUEUE_NAME}/workers`, `/api/queues/${QUEUE_NAME}/metrics?type=completed`]) {
      expect((await send(readOnly.url, path)).status, path).toBe(200);
    }
    expect((await send(readOnly.url, '/', { method: 'HEAD' })).status).toBe(200);
  });
});

describe('cohort-reports dashboard --allow-actions', () => {
  it('retries a failed job, promotes a delayed one and removes a waiting one', async () => {
    expect(acting.output()).toMatch(/retry, promote and remove allowed \(--allow-actions\)\n/);
    const board = JSON.parse((await send(acting.url, '/api/queues')).body) as { queues: Array<{ readOnlyMode: boolean; allowRetries: boolean }> };
    expect(board.queues[0]).toMatchObject({ readOnlyMode: false, allowRetries: true });

    const [f, d, w] = [ids.failed[0]!, ids.delayed[0]!, ids.waiting[0]!];
    expect([await queue.getJobState(f), await queue.getJobState(d), await queue.getJobState(w)]).toEqual(['failed', 'delayed', 'waiting']);
    expect((await send(acting.url, `/api/queues/${QUEUE_NAME}/${f}/retry`, action(acting, 'PUT'))).status).toBe(204);
    expect((await send(acting.url, `/api/queues/${QUEUE_NAME}/${d}/promote`, action(acting, 'PUT'))).status).toBe(204);
    expect((await send(acting.url, `/api/queues/${QUEUE_NAME}/${w}/clean`, action(acting, 'PUT'))).status).toBe(204);
    expect(await queue.getJobState(f)).toBe('waiting');
    expect(await queue.getJobState(d)).toBe('waiting');
    expect(await queue.getJob(w)).toBeUndefined();
  });

  it('refuses adding a job (one with outDir included), pausing, resuming, concurrency, cleaning, emptying, obliterating and the rest, and no key of the queue goes', async () => {
    const before = (await snapshot()) as { keys: string[] };
    expect(before.keys.length).toBeGreaterThan(5);
    for (const [path, request] of neverRequests(acting)) {
      const response = await send(acting.url, path, request);
      expect(response.status, `${request.method} ${path}: ${response.body}`).toBe(403);
      expect(response.body).toMatch(/^\{"error":"[^\n]+"\}\n$/);
    }
    const add = await send(acting.url, `/api/queues/${QUEUE_NAME}/add`, neverRequests(acting)[0]![1]);
    expect(JSON.parse(add.body).error).toMatch(/^the dashboard does not add jobs:/);
    expect(await snapshot()).toEqual(before);
    expect(JSON.stringify(await queue.getJobs(['waiting', 'delayed', 'failed', 'completed', 'active'], 0, 1000))).not.toContain('/tmp/victim');
  });
});
