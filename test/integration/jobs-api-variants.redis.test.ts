/**
 * The distributed run (real worker processes, real Redis) against the API answers of issue 10 (the
 * shared cases of api-variants-suite.ts). Two workers are started once with the proxy as their base
 * URL; each case points the proxy at a fresh sandbox (same workspace, same token, its own variant) and
 * enqueues the month; the workers write to their own output folder (no job names one), which is
 * moved to the case's folder once the run has settled, so each case reads only what its run wrote.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { generateWorkspace, type SandboxWorkspace } from '../../src/sandbox/index.js';
import { defineApiVariantTests, startBehindProxy } from '../support/api-variants-suite.js';
import { startE2eProxy, type E2eProxy } from '../support/e2e-proxy.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { killAllWorkers, spawnWorker, waitForJobState, workerEnvironment, type WorkerProcess } from '../support/jobs-workers.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { tearDown } from '../support/teardown.js';

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
  workspace = generateWorkspace({ contacts: 300, seed: 19, nowSec: clockMs / 1000 });
  proxy = await startE2eProxy({ prefix: '/vendors/intercom' });
  redis = createTestRedis();
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  tmp = await mkdtemp(join(tmpdir(), 'jobs-variants-'));
  const env = workerEnvironment({ baseUrl: proxy.url, token: TOKEN, redisUrl: redisUrl(), prefix, outDir: join(tmp, 'default'), allowance: 20_000 });
  // A worker asks at start which workspace it serves (GET /me): the same workspace answers behind the proxy.
  const atStart = await startBehindProxy(proxy, { workspace, clockMs, token: TOKEN }, {});
  try {
    // Two, as `processes` below says.
    workers = await Promise.all([1, 2].map(() => spawnWorker(env, 4)));
  } finally {
    await atStart.close();
  }
}, 60_000);

afterAll(async () => {
  await killAllWorkers();
  await tearDown({ prefix, queue, redis, sandbox: proxy, tmp });
});

defineApiVariantTests('workers', {
  workspace: () => workspace,
  clockMs,
  month,
  processes: 2,
  proxy: () => proxy,
  async run(name, variant, transform) {
    const sb = await startBehindProxy(proxy, { workspace, clockMs, token: TOKEN }, variant, transform);
    const outDir = join(tmp, name);
    const workersOut = join(tmp, 'default');
    await rm(workersOut, { recursive: true, force: true });
    const nowSec = Math.floor(Date.now() / 1000);
    const enqueued = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec, allowPartial: false }, (runId) =>
      createRedisStore({ redis, prefix, runId }).clear(),
    );
    const state = await waitForJobState(queue, enqueued.jobId, ['completed', 'failed'], 90_000, () => workers.map((w) => w.output().slice(-3000)).join('\n'));
    // The run job has settled (its lock released): what the workers wrote becomes this case's folder.
    if (existsSync(workersOut)) await rename(workersOut, outDir);
    const said = (await queue.getJob(enqueued.jobId))?.failedReason ?? '';
    return { sb, outDir, nowSec, outcome: state === 'completed' ? 'ok' : state, said };
  },
});
