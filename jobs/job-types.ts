/**
 * Every job of the distributed run, as one discriminated union keyed by the job name, so each processor
 * gets its own typed payload. Job data never holds the Intercom token: workers read it from their own
 * environment.
 *
 * Ids are deterministic, so adding the same work twice collapses into one job (BullMQ ignores an add
 * whose id exists). BullMQ forbids ':' in custom ids and ids made only of digits; every id below starts
 * with a letter and uses '.' as separator, and the parts that come from Intercom are escaped.
 */
import type { z } from 'zod';
import type { CohortType } from '../src/intercom/types.js';
import type {
  FETCH_CONTACTS_DATA_SCHEMA,
  JOB_DATA_SCHEMAS,
  LIST_CONVERSATIONS_DATA_SCHEMA,
  MONTH_RUN_DATA_SCHEMA,
  PAGE_COHORT_DATA_SCHEMA,
  PLANNED_RUN_SCHEMA,
  SCHEDULED_RUN_DATA_SCHEMA,
} from './job-schemas.js';

// One description of each job's data: the schemas in job-schemas.ts (documented field by field there),
// which every worker parses a job's data with before its processor runs. No job data names a folder:
// a worker writes only to its own configured report.outDir.

/** What every job of a run needs to re-plan it identically. */
export type PlannedRun = z.infer<typeof PLANNED_RUN_SCHEMA>;
/** One run of one or more months, the parent of every other job of the run. */
export type MonthRunData = z.infer<typeof MONTH_RUN_DATA_SCHEMA>;
/** Pages one cohort's members into the store and queues their events fetches. */
export type PageCohortData = z.infer<typeof PAGE_COHORT_DATA_SCHEMA>;
/** Fetches, folds and records the events of a few contacts, each at most once per run. */
export type FetchContactsData = z.infer<typeof FETCH_CONTACTS_DATA_SCHEMA>;
/** Lists one month's conversations into the store, once every cohort of the run is paged. */
export type ListConversationsData = z.infer<typeof LIST_CONVERSATIONS_DATA_SCHEMA>;
/** Produced by the job scheduler: queues the previous month's run, computed when it is processed. */
export type ScheduledRunData = z.infer<typeof SCHEDULED_RUN_DATA_SCHEMA>;

export type JobDataByName = { [N in keyof typeof JOB_DATA_SCHEMAS]: z.infer<(typeof JOB_DATA_SCHEMAS)[N]> };

export type JobName = keyof JobDataByName;

export const JOB_NAMES: readonly JobName[] = ['month-run', 'page-cohort', 'fetch-contacts', 'list-conversations', 'scheduled-run'];

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

/** The conversations job of one month in one round of the run job. */
export function conversationsJobId(runId: string, month: string, round: number): string {
  return `${runJobId(runId)}.conversations.${round}.${escapeIdPart(month)}`;
}

/** Events jobs the run job adds itself for contacts still without a result (a resumed or repaired run). */
export function sweepJobId(runId: string, round: number, chunk: number): string {
  return `${runJobId(runId)}.sweep.${round}.${chunk}`;
}

/**
 * The incarnation of the run a child job belongs to: its claim scope starts with the run job's creation
 * time (`<timestamp>.<round>`, process-month-run.ts), which a run enqueued afresh does not share.
 */
export function incarnationOf(claimScope: string): string {
  const dot = claimScope.indexOf('.');
  return dot === -1 ? claimScope : claimScope.slice(0, dot);
}
