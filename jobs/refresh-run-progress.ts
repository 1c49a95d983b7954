import type { Queue } from 'bullmq';
import type { RunJobProgress } from './job-types.js';

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
