/**
 * Removes a finished (failed or completed) run job with its children, so that the run can be queued
 * again under the same id. When a child fails for good, BullMQ fails the run job but not the child's
 * siblings: workers go on taking them. BullMQ refuses to remove a job while any of its children is
 * being processed, so removing right after a failure raced with those siblings and `enqueue` failed
 * with "locked by another worker". Here the siblings still waiting are removed first (no worker starts
 * them any more), and the ones being processed are waited for: they finish within seconds, and one held
 * by a crashed worker loses its lock within the worker's lock duration (10 s, jobs/start-worker.ts).
 * Nothing of the run's progress lives in these jobs: the store keeps it, and the new run job resumes.
 */
import type { Job, Queue } from 'bullmq';
import { sleep as defaultSleep } from '../src/shared/sleep.js';
import { JobWithoutIdError, RunBusyError } from './errors.js';

/** Lock duration of a crashed worker's job plus one stalled-jobs check. */
export const REMOVE_RUN_TIMEOUT_MS = 15_000;
const POLL_MS = 200;

export async function removeFinishedRun(
  queue: Queue,
  job: Job,
  options: { timeoutMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
): Promise<void> {
  const jobId = job.id;
  if (jobId === undefined) throw new JobWithoutIdError('removeFinishedRun');
  const timeoutMs = options.timeoutMs ?? REMOVE_RUN_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const startedMs = now();
  for (;;) {
    // Again each time: a page job still running may have queued more events jobs meanwhile.
    await job.removeUnprocessedChildren();
    // Queue.remove answers 0 while the job or one of its children is locked.
    if ((await queue.remove(jobId, { removeChildren: true })) === 1) return;
    if (now() - startedMs >= timeoutMs) throw new RunBusyError(jobId, timeoutMs);
    await sleep(POLL_MS);
  }
}
