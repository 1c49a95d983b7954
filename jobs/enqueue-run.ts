/**
 * Queues one run job under its deterministic id, so a month (range + zone) has at most one live run:
 * - live (waiting, delayed, active, waiting for its children): nothing is added;
 * - failed: the old job and its children are removed and a new one added; the run's store is kept, so
 *   the new job resumes where the failed one stopped (cleared instead when the failed run was queued for
 *   another workspace);
 * - completed: by default replaced the same way, with the store cleared first (a new run reads the
 *   workspace afresh); with `replaceCompleted: false` (the scheduler) it is left alone.
 */
import type { Queue } from 'bullmq';
import type { CohortFilter } from '../src/pipeline/discover-cohorts.js';
import { planRun, type PlanRunInput } from '../src/pipeline/plan-run.js';
import { runJobId, type JobDataByName, type MonthRunData, type PlannedRun } from './job-types.js';
import { parseJobData } from './parse-job-data.js';
import { removeFinishedRun } from './remove-finished-run.js';

export type EnqueueOutcome =
  | { kind: 'added'; jobId: string; runId: string }
  | { kind: 'replaced'; jobId: string; runId: string; previousState: 'completed' | 'failed' }
  | { kind: 'live'; jobId: string; runId: string; state: string }
  | { kind: 'already-completed'; jobId: string; runId: string };

/** No output folder: the worker that writes the run writes to its own report.outDir. */
export interface EnqueueRunInput extends PlanRunInput {
  /** The cohort selection (--select/--exclude); absent: each worker's configured one. */
  cohorts?: CohortFilter | undefined;
  /** Default true. */
  replaceCompleted?: boolean;
  /** The workspace (`app.id_code`) the run is for: a worker of another workspace fails its jobs. */
  workspaceId?: string | undefined;
  /** `enqueue --replace`: the run may replace a month whose folder holds cohorts it does not select. */
  replace?: boolean | undefined;
}

/** Options of every run job: transient failures of its own steps retried; children decide their own. */
export const RUN_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 90 * 24 * 3600 },
  removeOnFail: { age: 90 * 24 * 3600 },
} as const;

const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'waiting-children', 'prioritized', 'paused']);

export async function enqueueRun(
  queue: Queue,
  input: EnqueueRunInput,
  clearStore: (runId: string) => Promise<void>,
): Promise<EnqueueOutcome> {
  const plan = planRun(input);
  // The planned months, not the words given: `last` must mean the month that had ended when it was
  // queued, not whatever month a worker would compute later (which planRun refuses as a range end).
  const run: PlannedRun = {
    runId: plan.runId,
    from: plan.months[0]!.month,
    to: plan.months[plan.months.length - 1]!.month,
    timeZone: input.timeZone,
    allowPartial: input.allowPartial,
    plannedAtSec: input.nowSec,
    ...(input.workspaceId !== undefined ? { workspaceId: input.workspaceId } : {}),
  };
  const name: keyof JobDataByName = 'month-run';
  // Parsed as a worker will parse it: what enqueue could not give a worker (a selection too large for
  // job data) is refused here, with nothing queued or replaced, rather than failed by the first worker.
  const data: MonthRunData = parseJobData(name, {
    run,
    ...(input.cohorts ? { cohorts: input.cohorts } : {}),
    ...(input.replace === true ? { replace: true } : {}),
  });
  const jobId = runJobId(plan.runId);
  const existing = await queue.getJob(jobId);
  let replaced: 'completed' | 'failed' | null = null;
  if (existing) {
    const state = await existing.getState();
    if (LIVE_STATES.has(state)) return { kind: 'live', jobId, runId: plan.runId, state };
    if (state === 'completed' && input.replaceCompleted === false) return { kind: 'already-completed', jobId, runId: plan.runId };
    // Children of a failed run may still be running: removeFinishedRun waits for them (bounded).
    await removeFinishedRun(queue, existing);
    // A failed run resumes from its store, unless the store was filled for another workspace.
    const previousWorkspace = (existing.data as Partial<MonthRunData> | undefined)?.run?.workspaceId;
    const otherWorkspace = previousWorkspace !== undefined && input.workspaceId !== undefined && previousWorkspace !== input.workspaceId;
    if (state === 'completed' || otherWorkspace) await clearStore(plan.runId);
    replaced = state === 'completed' ? 'completed' : 'failed';
  }
  await queue.add(name, data, { ...RUN_JOB_OPTIONS, jobId });
  return replaced === null ? { kind: 'added', jobId, runId: plan.runId } : { kind: 'replaced', jobId, runId: plan.runId, previousState: replaced };
}
