/**
 * Typed errors of the job layer, each with a stable `code`. (Processors' own failures are translated
 * for BullMQ in map-job-error.ts; these are the job layer's own.)
 */

/** The worker's processors and the job names do not match one to one: a worker refuses to start. */
export class ProcessorMismatchError extends Error {
  readonly code = 'WORKER_PROCESSORS_MISMATCH';
  constructor(
    readonly missing: string[],
    readonly unknown: string[],
  ) {
    super(`worker processors do not match the job names: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
    this.name = 'ProcessorMismatchError';
  }
}

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
