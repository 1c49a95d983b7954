import type { Queue } from 'bullmq';
import type { RunStore } from '../src/pipeline/run-store.js';
import type { RunJobProgress } from './job-types.js';

/** The run's progress as its store says now, in the shape dashboards read on the run job. */
export async function readRunJobProgress(store: RunStore): Promise<RunJobProgress> {
  const p = await store.progress();
  return {
    cohorts: p.cohorts,
    cohortsDone: p.cohortsDone,
    contacts: p.contacts,
    contactsDone: p.contactsDone,
    apiCalls: p.requests.apiCalls,
    responses429: p.requests.responses429,
  };
}

/**
 * Writes that progress onto the run job (job.progress, what dashboards show). Best effort: the run job
 * may have failed or been replaced meanwhile, which must not fail the child that reports.
 */
export async function refreshRunProgress(queue: Queue, runJobId: string, store: RunStore): Promise<void> {
  const progress = await readRunJobProgress(store);
  try {
    await queue.updateJobProgress(runJobId, { ...progress });
  } catch {
    // The run job is gone (removed or replaced): nothing to show progress on.
  }
}
