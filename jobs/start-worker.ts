/**
 * One worker process: a BullMQ Worker on the deployment's queue, processing every job type, with one
 * Intercom client per run in progress, all paced by the one shared Redis token bucket. Returns a
 * handle whose `drain(deadlineMs)` stops taking jobs, lets active ones finish within the deadline, then
 * cancels the rest (their locks lapse and another worker resumes them from the store).
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { createApiClient, eventsPageSizeLearner } from '../src/intercom/create-api-client.js';
import type { EventsPageSizeLearner } from '../src/intercom/events-page-size.js';
import type { IntercomApi, WorkspaceIdentity } from '../src/intercom/types.js';
import { meterApi, meterLimiter, type CohortMetrics } from '../src/metrics/index.js';
import { planRun, type RunPlan } from '../src/pipeline/plan-run.js';
import { createRedisStore, type RedisStore } from '../src/pipeline/redis-store.js';
import { createRedisLimiter } from '../src/rate-limit/redis-limiter.js';
import { bindDeploymentWorkspace, foreignWorkspaceError } from './bind-deployment-workspace.js';
import { connectRedis } from './connect-redis.js';
import { createApiPool } from './create-api-pool.js';
import { bullPrefix, QUEUE_NAME, type JobName, type PlannedRun } from './job-types.js';
import { capQueuePause } from './cap-queue-pause.js';
import { mapJobError } from './map-job-error.js';
import { meterWorker } from './meter-worker.js';
import { processFetchContacts } from './process-fetch-contacts.js';
import { processListConversations } from './process-list-conversations.js';
import { processMonthRun } from './process-month-run.js';
import { processPageCohort } from './process-page-cohort.js';
import { processScheduledRun } from './process-scheduled-run.js';
import type { Processors, WorkerContext } from './worker-context.js';
import { withTimeout } from '../src/shared/with-timeout.js';
import { JobDataInvalidError, parseJob } from './parse-job-data.js';
import { quoted } from '../src/shared/printable.js';

export const PROCESSORS: Processors = {
  'month-run': processMonthRun,
  'page-cohort': processPageCohort,
  'fetch-contacts': processFetchContacts,
  'list-conversations': processListConversations,
  'scheduled-run': processScheduledRun,
};

/** Locks short enough that a killed worker's jobs move on within seconds, long enough for renewals. */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
/** Runs whose store and page size a process keeps: a run is monthly, far more than a worker serves at once. */
const RUNS_KEPT = 256;

export interface StartWorkerOptions {
  config: Readonly<Config>;
  token: string;
  concurrency: number;
  log: Logger;
  /** When given, the limiter, every Intercom client and the worker's jobs feed these metrics. */
  metrics?: CohortMetrics;
}

export interface WorkerHandle {
  worker: Worker;
  /** The worker's Redis connections, for watching that Redis stays reachable. */
  connections: Redis[];
  /** Stops taking jobs; waits for active ones up to `deadlineMs`, then cancels them and closes. */
  drain(deadlineMs: number): Promise<{ forced: boolean }>;
}

export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { config, log } = options;
  const prefix = config.redis.prefix;
  const redis = connectRedis(config.redis.url, 'commands');
  const bullConnection = connectRedis(config.redis.url, 'bullmq-worker');
  const { metrics } = options;
  const redisLimiter = createRedisLimiter({ redis, keyPrefix: prefix, settings: config.rateLimit });
  const limiter = metrics ? meterLimiter(redisLimiter, metrics) : redisLimiter;
  const createApi = (eventsPageSize?: EventsPageSizeLearner): IntercomApi =>
    createApiClient({ config, baseUrl: config.intercom.baseUrl, token: options.token, limiter, log, ...(eventsPageSize ? { eventsPageSize } : {}) });
  // Which workspace the token reads, and is it the deployment's? Before the worker exists, so a worker
  // of another workspace (or with a refused token) takes no job. One GET /me, paced like every call.
  let workspace: WorkspaceIdentity;
  try {
    const identifying = metrics ? meterApi(createApi(), metrics) : createApi();
    try {
      workspace = await identifying.identifyWorkspace();
    } finally {
      await identifying.close();
    }
    const { created } = await bindDeploymentWorkspace(redis, prefix, workspace);
    if (created) log.info({ workspace: workspace.id }, 'deployment bound to this workspace');
  } catch (err) {
    await limiter.close();
    redis.disconnect();
    bullConnection.disconnect();
    throw err;
  }
  // Per run and incarnation (one enqueueing of it: a month run again, or --replace, starts afresh), for
  // the process's life: the store, which keeps the process's request totals for the run, and the
  // events page size, learnt by the run's first client here and kept by the next ones (a client is
  // closed when the run's jobs leave it idle).
  const runs = new Map<string, { store: RedisStore; eventsPageSize: EventsPageSizeLearner }>();
  const apis = createApiPool();
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection, prefix: bullPrefix(prefix) });
  // A pause left by an older version (a server's year-long Retry-After) ends within the bound.
  await capQueuePause(queue, redis, config.rateLimit.maxPauseMs);
  const plans = new Map<string, RunPlan>();
  const ctx: WorkerContext = {
    config,
    workspace,
    queue,
    log,
    runFor(runId, incarnation) {
      const key = `${runId}@${incarnation}`;
      let run = runs.get(key);
      if (run === undefined) {
        run = { store: createRedisStore({ redis, prefix, runId }), eventsPageSize: eventsPageSizeLearner(config, log) };
        runs.set(key, run);
        if (runs.size > RUNS_KEPT) runs.delete(runs.keys().next().value!);
      }
      const { store, eventsPageSize } = run;
      const open = (): IntercomApi => (metrics ? meterApi(createApi(eventsPageSize), metrics) : createApi(eventsPageSize));
      return { store, lease: () => apis.lease(key, open, store) };
    },
    clearRun: (runId) => createRedisStore({ redis, prefix, runId }).clear(),
    planFor(run: PlannedRun) {
      let plan = plans.get(run.runId);
      if (plan === undefined) {
        plan = planRun({ from: run.from, to: run.to, timeZone: run.timeZone, nowSec: run.plannedAtSec, allowPartial: run.allowPartial });
        plans.set(run.runId, plan);
      }
      return plan;
    },
  };

  let worker: Worker | null = null;
  const processJob = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const name = job.name as JobName;
    const processor = PROCESSORS[name] as Processors[JobName] | undefined;
    const jobLog = log.child({ jobId: job.id, job: name });
    try {
      if (!processor) throw new UnrecoverableError(`no processor for job name ${quoted(job.name.slice(0, 40))}`);
      // Job data is input from anyone who can write to the queue: parsed with its name's schema before
      // any processor (or any call) sees it; whatever else it holds fails the job for good, naming the field.
      try {
        job.data = parseJob(job);
      } catch (err) {
        if (err instanceof JobDataInvalidError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err;
      }
      // Nothing of two workspaces meets: a run queued for another one fails rather than reading this one.
      const foreign = foreignWorkspaceError(job.data, workspace);
      if (foreign) throw new UnrecoverableError(`${foreign.code}: ${foreign.message}`);
      return await (processor as (j: Job, t: string, s: AbortSignal | undefined, c: WorkerContext) => Promise<unknown>)(
        job,
        token ?? '',
        signal,
        { ...ctx, log: jobLog },
      );
    } catch (err) {
      const mapped = await mapJobError(err, worker!, config.rateLimit.maxPauseMs);
      if (mapped === err) jobLog.debug({ err }, 'job attempt failed');
      else jobLog.warn({ err }, 'job attempt failed');
      throw mapped;
    }
  };

  worker = new Worker(QUEUE_NAME, processJob, {
    connection: bullConnection,
    prefix: bullPrefix(prefix),
    concurrency: options.concurrency,
    lockDuration: LOCK_DURATION_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: 2,
    // Lets worker.rateLimit() pause every worker of the queue; the max itself never binds.
    limiter: { max: 1_000_000, duration: 1_000 },
  });
  const w = worker;
  if (metrics) meterWorker({ worker: w, queue, metrics });
  w.on('failed', (job, err) => {
    if (job) log.warn({ jobId: job.id, job: job.name, attemptsMade: job.attemptsMade, err: { message: err.message, name: err.name } }, 'job failed');
  });
  // While Redis is unreachable every reconnect attempt reports the same error: log it once per
  // message and minute, not dozens of times a second (the worker command exits after its grace).
  const lastLogged = new Map<string, number>();
  const onError = (source: string) => (err: Error) => {
    const key = `${source}:${err.message}`;
    const now = Date.now();
    if (now - (lastLogged.get(key) ?? 0) < 60_000) return;
    lastLogged.set(key, now);
    log.error({ err }, `${source} error`);
  };
  w.on('error', onError('worker'));
  queue.on('error', onError('queue'));
  await w.waitUntilReady();
  log.info({ queue: queue.qualifiedName, concurrency: options.concurrency, workspace: workspace.id }, 'worker started');

  let closing: Promise<{ forced: boolean }> | null = null;
  return {
    worker: w,
    connections: [redis, bullConnection],
    drain(deadlineMs) {
      closing ??= (async () => {
        const forced = await withTimeout(w.close().then(() => false), deadlineMs, () => true);
        if (forced) {
          w.cancelAllJobs('worker shutting down');
          await w.close(true);
        }
        await apis.close();
        // A last try for totals a failed write left (a worker stopping after Redis came back).
        await Promise.allSettled([...runs.values()].map((r) => r.store.flushRequests()));
        await limiter.close();
        await queue.close();
        redis.disconnect();
        bullConnection.disconnect();
        return { forced };
      })();
      return closing;
    },
  };
}
