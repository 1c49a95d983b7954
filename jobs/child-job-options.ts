import type { JobsOptions } from 'bullmq';

/**
 * Options of every child of a run job. A child that fails for good (a permanent error, or its attempts
 * used up) fails the run at once and loudly (failParentOnFailure) rather than leaving it waiting for
 * children forever; the store keeps every recorded page and contact, so enqueueing the month again
 * resumes. Completed children are removed (their count stays in the parent); failed ones are kept for
 * inspection until the run job is replaced.
 */
export function childJobOptions(jobId: string, parent: { id: string; queue: string }): JobsOptions {
  return {
    jobId,
    parent,
    failParentOnFailure: true,
    attempts: 6,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: true,
    removeOnFail: false,
  };
}
