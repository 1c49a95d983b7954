import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunStore } from '../src/pipeline/run-store.js';
import type { RunJobProgress } from './job-types.js';
import { readRunRequestStats } from './run-request-stats.js';

/** The run's progress as the store and the summed request counters say now. */
export async function readRunProgress(store: RunStore<unknown>, redis: Redis, prefix: string, runId: string): Promise<RunJobProgress> {
  const [p, stats] = await Promise.all([store.progress(), readRunRequestStats(redis, prefix, runId)]);
  return {
    cohorts: p.cohorts,
    cohortsDone: p.cohortsDone,
    contacts: p.contacts,
    contactsDone: p.contactsDone,
    apiCalls: stats.apiCalls,
    responses429: stats.responses429,
  };
}

/**
 * Writes that progress onto the run job (job.progress, what dashboards show). Best effort: the run job
 * may have failed or been replaced meanwhile, which must not fail the child that reports.
 */
export async function refreshRunProgress(queue: Queue, runJobId: string, progress: RunJobProgress): Promise<void> {
  try {
    await queue.updateJobProgress(runJobId, { ...progress });
  } catch {
    // The run job is gone (removed or replaced): nothing to show progress on.
  }
}
