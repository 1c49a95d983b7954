/**
 * A deployment (one Redis prefix) serves one workspace, through the real CLI against real Redis and two
 * sandboxes that are two workspaces (own id_code, own hostile name, own token and contacts):
 * - the first enqueue binds the prefix to its workspace; a worker, an enqueue or a schedule of the
 *   other workspace on that prefix exits 2 with one line naming both and the fix, having made one
 *   call (GET /me) and queued nothing; on a prefix of its own it works; the first workspace's run
 *   completes untouched, its workspace the only one asked for contacts and events;
 * - a worker fails at once, without reading its workspace, any job of a run queued for another one;
 * - enqueue and schedule refuse a selection that keeps no cohort (exit 2, nothing queued), while
 *   `cohorts` says so and exits 0;
 * - `enqueue --replace` puts `replace: true` in the run job's data.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindDeploymentWorkspace, deploymentWorkspaceKey, OtherWorkspaceError } from '../../jobs/bind-deployment-workspace.js';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { bullPrefix, QUEUE_NAME, runJobId, type MonthRunData, type PageCohortData } from '../../jobs/job-types.js';
import { startWorker } from '../../jobs/start-worker.js';
import { loadConfig } from '../../src/config.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { humanLines, listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import { lastEndedMonth, listedContactIds } from '../support/e2e-reference.js';
import { killAllWorkers, spawnWorker, waitForJobState, workerEnvironment } from '../support/jobs-workers.js';
import { monthBefore } from '../support/report-reference.js';
import { createTestRedis, redisUrl, testPrefix } from '../support/redis.js';
import { removeQueue } from '../support/teardown.js';

/** Names as a teammate could set them: an escape sequence that would retitle the terminal, a bidi override. */
const A = { idCode: 'ws-alpha-01', name: 'Alpha \x1b]0;owned\x07 Inc' };
const B = { idCode: 'ws-beta-02', name: 'Beta\u202eroc' };

let redis: Redis;
let tmp: string;
let sandboxA: Sandbox;
let sandboxB: Sandbox;
let month: string;
const prefixes: string[] = [];
/** The run job data of the first test's plain `enqueue` (no --replace), as queued. */
let plainRunData: MonthRunData | undefined;
const queues: Queue[] = [];

function prefixFor(label: string): string {
  const p = testPrefix(label);
  prefixes.push(p);
  return p;
}

function queueOf(prefix: string): Queue {
  const q = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  queues.push(q);
  return q;
}

function envOf(sandbox: Sandbox, prefix: string, out: string): Record<string, string> {
  return workerEnvironment({ baseUrl: sandbox.url, token: sandbox.token, redisUrl: redisUrl(), prefix, outDir: out, allowance: 20_000 }) as Record<string, string>;
}

/** The one human line of a refusal, checked for what every refusal of another workspace must say. */
function refusalLine(r: CliResult, prefix: string): string {
  expect(r.code, r.stdout + r.stderr).toBe(2);
  const lines = humanLines(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0]!;
  expect(line).toContain(`the deployment on Redis prefix "${prefix}" serves workspace "Alpha \\x1b]0;owned\\x07 Inc" (id "${A.idCode}")`);
  expect(line).toContain(`INTERCOM_TOKEN reads workspace "Beta\\u{202e}roc" (id "${B.idCode}")`);
  expect(line).toContain('use another COHORT_REPORTS_PREFIX (redis.prefix) for this workspace');
  // The hostile names were shown, never obeyed.
  expect(r.stderr).not.toMatch(/[\x1b\x07\u202e]/);
  return line;
}

beforeAll(async () => {
  redis = createTestRedis();
  tmp = await mkdtemp(join(tmpdir(), 'deployment-workspace-'));
  const nowSec = Math.floor(Date.now() / 1000);
  month = lastEndedMonth(nowSec, 'UTC');
  [sandboxA, sandboxB] = await Promise.all([
    startSandbox({ contacts: 30, seed: 61, nowSec, app: A }),
    startSandbox({ contacts: 30, seed: 62, nowSec, app: B }),
  ]);
});

afterAll(async () => {
  await killAllWorkers();
  for (const q of queues) await q.close().catch(() => {});
  for (const p of prefixes) await removeQueue(undefined, redis, p);
  await Promise.all([sandboxA?.close(), sandboxB?.close()]);
  await redis?.quit();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('two deployments on one prefix', () => {
  it("the other workspace's worker, enqueue and schedule refuse with one line; on its own prefix it works; the first run is untouched", async () => {
    const shared = prefixFor('ws-shared');
    const own = prefixFor('ws-own');
    const outA = join(tmp, 'A');
    const envA = envOf(sandboxA, shared, outA);
    const envB = envOf(sandboxB, shared, join(tmp, 'B'));
    const queue = queueOf(shared);

    const queued = await runCli(['enqueue', '--month', month], envA);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toContain(`for workspace "Alpha \\x1b]0;owned\\x07 Inc" (id "${A.idCode}")`);
    const jobId = runJobId(`${month}_${month}_UTC`);
    plainRunData = (await queue.getJob(jobId))!.data as MonthRunData;
    expect(plainRunData.run.workspaceId).toBe(A.idCode);
    expect(JSON.parse((await redis.get(deploymentWorkspaceKey(shared)))!)).toMatchObject({ id: A.idCode, name: A.name });

    // All at once: B's worker, enqueue and schedule on A's prefix, B's worker on a prefix of its own, A's worker.
    sandboxB.resetCounters();
    const [worker, enqueue, schedule, workerB] = await Promise.all([
      runCli(['worker'], envB),
      runCli(['enqueue', '--month', monthBefore(month), '--allow-partial'], envB),
      runCli(['schedule'], envB),
      spawnWorker(envOf(sandboxB, own, join(tmp, 'B')), 2),
      spawnWorker(envA, 4),
    ]);
    for (const r of [worker, enqueue, schedule]) refusalLine(r, shared);
    // Each of B's four processes asked its workspace who it is, and nothing more.
    expect(sandboxB.counters.byEndpoint.me).toBe(4);
    expect(sandboxB.counters.requests).toBe(4);
    // Nothing of B's was queued or scheduled, and the prefix is still A's.
    const earlier = monthBefore(month);
    expect(await queue.getJob(runJobId(`${earlier}_${earlier}_UTC`))).toBeFalsy();
    expect(await queue.getJobScheduler('monthly')).toBeFalsy();
    expect(JSON.parse((await redis.get(deploymentWorkspaceKey(shared)))!)).toMatchObject({ id: A.idCode });
    // On a prefix of its own, B's worker started, and bound that prefix to B.
    expect(workerB.output()).toContain('"worker started"');
    expect(JSON.parse((await redis.get(deploymentWorkspaceKey(own)))!)).toMatchObject({ id: B.idCode, name: B.name });

    // A's run, by A's worker, completes as if B had never come by; B's workspace was never read for it.
    expect(await waitForJobState(queue, jobId, ['completed', 'failed'], 60_000)).toBe('completed');
    expect(await listFiles(outA)).toContain(`${month}/cohort_summary.csv`);
    const called = [...sandboxA.counters.eventsCallsByContact.keys()];
    expect(called.length).toBeGreaterThan(0);
    const ownContacts = listedContactIds(sandboxA.workspace);
    expect(called.filter((id) => !ownContacts.has(id))).toEqual([]);
    expect(sandboxB.counters.byEndpoint['contacts.search'] + sandboxB.counters.byEndpoint.events + sandboxB.counters.byEndpoint.segments).toBe(0);
  }, 90_000);
});

describe('the binding itself', () => {
  const identity = (w: { idCode: string; name: string }) => ({ id: w.idCode, name: w.name, region: null, timezone: null });

  it('of two workspaces binding one fresh prefix at once, exactly one wins and the other is refused', async () => {
    for (let round = 0; round < 5; round += 1) {
      const prefix = prefixFor('ws-race');
      const settled = await Promise.allSettled([bindDeploymentWorkspace(redis, prefix, identity(A)), bindDeploymentWorkspace(redis, prefix, identity(B))]);
      const won = settled.filter((r) => r.status === 'fulfilled');
      const refused = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toBeInstanceOf(OtherWorkspaceError);
      const winner = JSON.parse((await redis.get(deploymentWorkspaceKey(prefix)))!) as { id: string };
      expect((refused[0]!.reason as OtherWorkspaceError).bound.id).toBe(winner.id);
      // The same workspace again is welcome, and the key never expires.
      const again = await bindDeploymentWorkspace(redis, prefix, identity(winner.id === A.idCode ? A : B));
      expect(again.created).toBe(false);
      expect(await redis.pttl(deploymentWorkspaceKey(prefix))).toBe(-1);
    }
  });

  it('a key that holds something else is refused with the fix, not taken over', async () => {
    const prefix = prefixFor('ws-garbage');
    await redis.set(deploymentWorkspaceKey(prefix), '{"id":42}');
    await expect(bindDeploymentWorkspace(redis, prefix, identity(A))).rejects.toMatchObject({
      code: 'DEPLOYMENT_BINDING_UNREADABLE',
      exitCode: 2,
      message: `the Redis key ${prefix}:workspace does not hold a workspace binding cohort-reports wrote: delete it, or use another COHORT_REPORTS_PREFIX (redis.prefix)`,
    });
    expect(await redis.get(deploymentWorkspaceKey(prefix))).toBe('{"id":42}');
  });
});

describe('a job of a run queued for another workspace', () => {
  it('is failed at once by a worker of another workspace, which reads nothing of its own workspace for it', async () => {
    const prefix = prefixFor('ws-foreign-job');
    const queue = queueOf(prefix);
    const { config } = loadConfig({ env: { INTERCOM_BASE_URL: sandboxB.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix }, requireToken: false });
    const handle = await startWorker({ config, token: sandboxB.token, concurrency: 2, log: pino({ level: 'silent' }) });
    try {
      sandboxB.resetCounters();
      // As after the binding key was deleted by hand and taken by B: A's jobs are still queued.
      const nowSec = Math.floor(Date.now() / 1000);
      const outcome = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec, allowPartial: false, workspaceId: A.idCode }, async () => {});
      const run = ((await queue.getJob(outcome.jobId))!.data as MonthRunData).run;
      const child: PageCohortData = { run, cohortType: 'segment', cohortId: sandboxB.workspace.segments[0]!.id, perPage: 50, runJobId: outcome.jobId, contactsPerJob: 10, round: 1, claimScope: 'x.1' };
      const page = await queue.add('page-cohort', child, { jobId: 'foreign-page', attempts: 3 });

      for (const id of [outcome.jobId, page.id!]) {
        expect(await waitForJobState(queue, id, ['completed', 'failed'], 20_000)).toBe('failed');
        const job = (await queue.getJob(id))!;
        expect(job.failedReason).toMatch(new RegExp(`^JOB_OF_ANOTHER_WORKSPACE: run "${run.runId}" was queued for workspace id "${A.idCode}", but this worker reads workspace "Beta`));
        // Permanent: one attempt of the several allowed.
        expect(job.attemptsMade).toBe(1);
        expect(job.opts.attempts).toBeGreaterThan(1);
      }
      expect(sandboxB.counters.requests).toBe(0);

      // Queued again for B, the failed run of A is replaced with its store cleared: B resumes nothing of A's.
      await handle.drain(5_000);
      const cleared: string[] = [];
      const again = await enqueueRun(queue, { from: month, timeZone: 'UTC', nowSec, allowPartial: false, workspaceId: B.idCode }, async (runId) => {
        cleared.push(runId);
      });
      expect(again).toMatchObject({ kind: 'replaced', previousState: 'failed' });
      expect(cleared).toEqual([run.runId]);
    } finally {
      await handle.drain(5_000);
    }
  });
});

describe('a worker whose token is refused', () => {
  it('refuses to start after one call, binding nothing', async () => {
    const prefix = prefixFor('ws-refused');
    const { config } = loadConfig({ env: { INTERCOM_BASE_URL: sandboxB.url, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix }, requireToken: false });
    sandboxB.resetCounters();
    await expect(startWorker({ config, token: 'not-the-token-0123', concurrency: 1, log: pino({ level: 'silent' }) })).rejects.toMatchObject({ code: 'INTERCOM_AUTHENTICATION' });
    expect(sandboxB.counters.requests).toBe(1);
    expect(await redis.get(deploymentWorkspaceKey(prefix))).toBeNull();
  });
});

describe('a selection that keeps no cohort', () => {
  it('enqueue and schedule exit 2 and queue nothing; cohorts says "no cohort matches" and exits 0', async () => {
    const prefix = prefixFor('ws-nomatch');
    const queue = queueOf(prefix);
    const env = envOf(sandboxA, prefix, join(tmp, 'nomatch'));
    const config = join(tmp, 'nomatch.json');
    await writeFile(config, JSON.stringify({ cohorts: { include: ['nomatch*'] } }));
    const [enqueue, schedule, cohorts] = await Promise.all([
      runCli(['enqueue', '--month', month, '--select', 'nomatch*'], env),
      runCli(['schedule', '--config', config], env),
      runCli(['cohorts', '--select', 'nomatch*'], env),
    ]);
    const said = "no cohort matches the selection (segments and tags; include 'nomatch*')";
    for (const r of [enqueue, schedule]) {
      expect(r.code, r.stderr).toBe(2);
      expect(humanLines(r.stderr)).toEqual([expect.stringContaining(`cohort-reports: ${said}; check the names with 'cohort-reports cohorts'`)]);
    }
    expect(await queue.count()).toBe(0);
    expect(await queue.getJobScheduler('monthly')).toBeFalsy();
    expect(cohorts.code, cohorts.stderr).toBe(0);
    expect(cohorts.stdout).toBe(`${said}: a run with it would be refused\n`);
    // The same selection with a pattern that matches is queued: the refusal is the selection's, not the command's.
    const name = sandboxA.workspace.segments[0]!.name;
    const ok = await runCli(['enqueue', '--month', month, '--select', name], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await queue.count()).toBe(1);
  }, 60_000);
});

describe('check', () => {
  it('names the workspace the token reads on its token line, its name shown, never obeyed', async () => {
    const r = await runCli(['check', '--out', join(tmp, 'check-out')], envOf(sandboxA, prefixFor('ws-check'), join(tmp, 'check-out')));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`✓ token: INTERCOM_TOKEN is set (${sandboxA.token.length} characters), reads workspace "Alpha \\x1b]0;owned\\x07 Inc" (id "${A.idCode}")`);
    expect(r.stdout).not.toMatch(/[\x1b\x07]/);
  });
});

describe('enqueue --replace', () => {
  it('puts replace: true in the run job data; without it (the first test\'s enqueue) the data has no replace', async () => {
    const prefix = prefixFor('ws-replace');
    const queue = queueOf(prefix);
    const env = envOf(sandboxA, prefix, join(tmp, 'replace'));
    const earlier = monthBefore(month);
    const replacing = await runCli(['enqueue', '--month', earlier, '--allow-partial', '--replace'], env);
    expect(replacing.code, replacing.stderr).toBe(0);
    const replaceData = (await queue.getJob(runJobId(`${earlier}_${earlier}_UTC`)))!.data as MonthRunData;
    expect(replaceData.replace).toBe(true);
    expect(plainRunData, 'the first test queued a run').toBeDefined();
    expect('replace' in plainRunData!).toBe(false);
    expect([plainRunData!.run.workspaceId, replaceData.run.workspaceId]).toEqual([A.idCode, A.idCode]);
  });
});
