/** What every processor is handed: built once per worker process by startWorker, never at import time. */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { WorkspaceIdentity } from '../src/intercom/types.js';
import type { RunPlan } from '../src/pipeline/plan-run.js';
import type { RedisStore } from '../src/pipeline/redis-store.js';
import type { ContactStats } from '../src/report/contact-stats.js';
import type { ApiPool } from './create-api-pool.js';
import type { JobDataByName, JobName, PlannedRun } from './job-types.js';

export interface WorkerContext {
  config: Readonly<Config>;
  /** The workspace this worker's token reads (GET /me at start), the one its deployment is bound to. */
  workspace: WorkspaceIdentity;
  /** Store, claims and request counters (commands with a timeout; not BullMQ's connection). */
  redis: Redis;
  /** The deployment's queue, for adding children. */
  queue: Queue;
  apis: ApiPool;
  log: Logger;
  storeFor(runId: string): RedisStore<ContactStats>;
  planFor(run: PlannedRun): RunPlan;
}

export type Processor<N extends JobName> = (
  job: Job<JobDataByName[N], unknown, N>,
  token: string,
  signal: AbortSignal | undefined,
  ctx: WorkerContext,
) => Promise<unknown>;

/** One processor per job name: a missing one is a type error, and startWorker checks again at startup. */
export type Processors = { [N in JobName]: Processor<N> };
