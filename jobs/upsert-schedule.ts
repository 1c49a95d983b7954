/**
 * The deployment's one job scheduler: cron and zone from config (default 03:00 on the 1st, UTC). Its
 * jobs ('scheduled-run') decide the month when they run (see process-scheduled-run.ts). Upserting under
 * the fixed SCHEDULER_ID updates the one scheduler rather than adding another.
 */
import type { Queue } from 'bullmq';
import { exponentialBackoff } from './exponential-backoff.js';
import { SCHEDULER_ID, type JobName, type ScheduledRunData } from './job-types.js';
import { parseJobData } from './parse-job-data.js';

export interface UpsertScheduleInput {
  cron: string;
  /** The zone the cron pattern is read in (schedule.timezone). */
  cronTimeZone: string;
  /** The report time zone the scheduled runs use. */
  reportTimeZone: string;
}

/** Retries 5, 10, 20 and 40 s after a failure: each within MAX_PAUSE_MS (exponential-backoff.ts). */
export const SCHEDULED_RUN_OPTIONS = {
  attempts: 5,
  backoff: exponentialBackoff(5, 5_000),
  removeOnComplete: { count: 24 },
  removeOnFail: { count: 24 },
};

export async function upsertSchedule(queue: Queue, input: UpsertScheduleInput): Promise<{ id: string; nextMs: number | null }> {
  const name: JobName = 'scheduled-run';
  // No folder in the data: the worker that writes the run writes to its own report.outDir. Parsed like
  // a worker will, so a scheduler whose every job would be refused is not upserted.
  const data: ScheduledRunData = parseJobData(name, { timeZone: input.reportTimeZone });
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { pattern: input.cron, tz: input.cronTimeZone },
    { name, data, opts: SCHEDULED_RUN_OPTIONS },
  );
  const scheduler = await queue.getJobScheduler(SCHEDULER_ID);
  return { id: SCHEDULER_ID, nextMs: scheduler?.next ?? null };
}
