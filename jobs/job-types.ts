/**
 * Every job of the distributed run, as one discriminated union keyed by the job name, so each processor
 * gets its own typed payload. Job data never holds the Intercom token: workers read it from their own
 * environment.
 *
 * Ids are deterministic, so adding the same work twice collapses into one job (BullMQ ignores an add
 * whose id exists). BullMQ forbids ':' in custom ids and ids made only of digits; every id below starts
 * with a letter and uses '.' as separator, and the parts that come from Intercom are escaped.
 */
import type { CohortType } from '../src/intercom/types.js';
import type { CohortFilter } from '../src/pipeline/discover-cohorts.js';

/** What every job of a run needs to re-plan it identically (planRun is pure in these). */
export interface PlannedRun {
  runId: string;
  from: string;
  to: string;
  timeZone: string;
  allowPartial: boolean;
  /** The clock when the run was planned (Unix s): every worker re-plans with it, so all see one plan. */
  plannedAtSec: number;
  /**
   * The workspace (`app.id_code`) the run was queued for. Kept in `run`, which every child job copies,
   * so a worker of another workspace fails any job of the run rather than mixing the two. Absent in
   * jobs queued before deployments were bound to a workspace: those are not checked.
   */
  workspaceId?: string;
}

/** One run of one or more months, the parent of every other job of the run. */
export interface MonthRunData {
  run: PlannedRun;
  /** Where the reports go; absent: the writing worker's configured report.outDir. */
  outDir?: string;
  /** Which cohorts to report; absent: the worker's configured cohorts (include/exclude). */
  cohorts?: CohortFilter;
  /** Set by the run job itself: how many rounds of children it has added so far. */
  round?: number;
  /** `enqueue --replace`: the run may replace a month whose folder holds cohorts it does not select. */
  replace?: boolean;
}

/** Pages one cohort's members into the store and queues their events fetches. */
export interface PageCohortData {
  run: PlannedRun;
  cohortType: CohortType;
  cohortId: string;
  perPage: number;
  /** The run job: parent of the fetch-contacts jobs this page job adds. */
  runJobId: string;
  /** Contacts per fetch-contacts job. */
  contactsPerJob: number;
  /** The run job's round that added this job (part of the events jobs' ids). */
  round: number;
  /** Scope of the contact claims (see claimContacts): one per run job incarnation and round. */
  claimScope: string;
}

/** Fetches, folds and records the events of a few contacts, each at most once per run. */
export interface FetchContactsData {
  run: PlannedRun;
  /** The run job, whose progress this job refreshes. */
  runJobId: string;
  contactIds: string[];
  claimScope: string;
}

/** Produced by the job scheduler: queues the previous month's run, computed when it is processed. */
export interface ScheduledRunData {
  timeZone: string;
  outDir?: string;
}

export interface JobDataByName {
  'month-run': MonthRunData;
  'page-cohort': PageCohortData;
  'fetch-contacts': FetchContactsData;
  'scheduled-run': ScheduledRunData;
}

export type JobName = keyof JobDataByName;

export const JOB_NAMES: readonly JobName[] = ['month-run', 'page-cohort', 'fetch-contacts', 'scheduled-run'];

/** What `status` and `enqueue --wait` show, and what the run job's progress holds. */
export interface RunJobProgress {
  cohorts: number;
  cohortsDone: number;
  contacts: number;
  contactsDone: number;
  apiCalls: number;
  responses429: number;
}

/** The one queue of a deployment; its keys live under the BullMQ prefix `{<redis.prefix>}`. */
export const QUEUE_NAME = 'runs';

/** The job scheduler's id: `schedule` upserts this one and only this one. */
export const SCHEDULER_ID = 'monthly';

/** BullMQ prefix for a deployment: a hash tag, so on Redis Cluster every key of the queue shares a slot. */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

/** Percent-escapes everything but letters, digits, '_' and '-' (injective, so ids never collide). */
function escapeIdPart(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  );
}

export function runJobId(runId: string): string {
  return `run.${escapeIdPart(runId)}`;
}

export function pageJobId(runId: string, cohortType: CohortType, cohortId: string, round: number): string {
  return `${runJobId(runId)}.page.${round}.${cohortType}.${escapeIdPart(cohortId)}`;
}

/** The events job of one chunk of one recorded page: the same page repeated after a crash adds nothing new. */
export function eventsJobId(runId: string, cohortType: CohortType, cohortId: string, pageNumber: number, chunk: number, round: number): string {
  return `${runJobId(runId)}.events.${round}.${cohortType}.${escapeIdPart(cohortId)}.${pageNumber}.${chunk}`;
}

/** Events jobs the run job adds itself for contacts still without a result (a resumed or repaired run). */
export function sweepJobId(runId: string, round: number, chunk: number): string {
  return `${runJobId(runId)}.sweep.${round}.${chunk}`;
}
