/**
 * One child job of a run, its name tied to its payload (`childJob('page-cohort', data, …)` accepts
 * only PageCohortData), with the options every child shares. A child that fails for good (a permanent
 * error, or its attempts used up) fails the run at once and loudly (failParentOnFailure) rather than
 * leaving it waiting for children forever; the store keeps every recorded page and contact, so
 * enqueueing the month again resumes. Completed children are removed (their count stays in the
 * parent); failed ones are kept for inspection until the run job is replaced.
 */
import type { JobsOptions } from 'bullmq';
import { exponentialBackoff } from './exponential-backoff.js';
import type { JobDataByName, JobName } from './job-types.js';

export interface ChildJob<N extends JobName = JobName> {
  name: N;
  data: JobDataByName[N];
  opts: JobsOptions;
}

export const CHILD_JOB_ATTEMPTS = 6;
/** 2, 4, 8, 16, 32 s: the longest within MAX_PAUSE_MS (checked once, at import). */
export const CHILD_JOB_BACKOFF = exponentialBackoff(CHILD_JOB_ATTEMPTS, 2_000);

/** What Queue.addBulk takes for a mix of children: each entry typed by its own name. */
export type AnyChildJob = { [N in JobName]: ChildJob<N> }[JobName];

/**
 * @example
 * await queue.addBulk([childJob('fetch-contacts', data, { jobId: sweepJobId(runId, 1, 0), parent })]);
 */
export function childJob<N extends JobName>(name: N, data: JobDataByName[N], opts: { jobId: string; parent: { id: string; queue: string } }): ChildJob<N> {
  return {
    name,
    data,
    opts: {
      jobId: opts.jobId,
      parent: opts.parent,
      failParentOnFailure: true,
      attempts: CHILD_JOB_ATTEMPTS,
      backoff: CHILD_JOB_BACKOFF,
      removeOnComplete: true,
      removeOnFail: false,
    },
  };
}
