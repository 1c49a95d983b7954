/**
 * Typed errors of the job layer, each with a stable `code`. (Processors' own failures are translated
 * for BullMQ in map-job-error.ts; these are the job layer's own.)
 */

/** A finished run job still has children being processed after the bounded wait. */
export class RunBusyError extends Error {
  readonly code = 'RUN_CHILDREN_ACTIVE';
  constructor(jobId: string, waitedMs: number) {
    super(`run job ${jobId} still has children being processed after ${waitedMs} ms; try again in a minute`);
    this.name = 'RunBusyError';
  }
}

/** A job handed to the job layer without the id every one of ours is created with. */
export class JobWithoutIdError extends Error {
  readonly code = 'JOB_WITHOUT_ID';
  constructor(what: string) {
    super(`${what}: the job has no id`);
    this.name = 'JobWithoutIdError';
  }
}
