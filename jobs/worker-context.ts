/** What every processor is handed: built once per worker process by startWorker, never at import time. */
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { WorkspaceIdentity } from '../src/intercom/types.js';
import type { RunPlan } from '../src/pipeline/plan-run.js';
import type { RedisStore } from '../src/pipeline/redis-store.js';
import type { ApiLease } from './create-api-pool.js';
import type { JobDataByName, JobName, PlannedRun } from './job-types.js';

export interface WorkerContext {
  config: Readonly<Config>;
  /** The workspace this worker's token reads (GET /me at start), the one its deployment is bound to. */
  workspace: WorkspaceIdentity;
  /** The deployment's queue, for adding children. */
  queue: Queue;
  log: Logger;
  /**
   * A run as this process works on it, for one incarnation of the run (one enqueueing: the run job's
   * creation time, what claim scopes start with): its store, kept for the process's life with the
   * process's request totals, and a lease of the run's Intercom client.
   */
  runFor(runId: string, incarnation: number | string): { store: RedisStore; lease(): ApiLease };
  /** Removes everything stored for the run (before it is enqueued afresh). */
  clearRun(runId: string): Promise<void>;
  planFor(run: PlannedRun): RunPlan;
}

export type Processor<N extends JobName> = (
  job: Job<JobDataByName[N], unknown, N>,
  token: string,
  signal: AbortSignal | undefined,
  ctx: WorkerContext,
) => Promise<unknown>;

/** One processor per job name: a missing or unknown one is a type error. */
export type Processors = { [N in JobName]: Processor<N> };
