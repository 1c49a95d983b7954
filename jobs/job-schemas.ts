/**
 * The data of every job, as zod schemas: the one description of what a job may carry (the TypeScript
 * types in job-types.ts are inferred from these). Job data is an interface like the API's answers: any
 * client that can write to the queue (a script with Redis access, a dashboard, a job left by an older
 * version) can put anything in it, so every worker parses it before a processor sees it (see
 * parse-job-data.ts) and refuses the rest for good.
 *
 * Strict objects: an unknown field is refused, not ignored. BullMQ keeps its own fields (parent, attempts,
 * progress) beside `data`, never in it, so nothing legitimate is lost; and a field an older version
 * honoured (`outDir`, which let job data choose where reports were written) fails loudly instead of
 * being silently dropped or obeyed.
 */
import { z } from 'zod';
import { isTimeZone } from '../src/config-schema.js';
import { RunPlanError } from '../src/pipeline/errors.js';
import { planRun } from '../src/pipeline/plan-run.js';
import { isMonth } from '../src/report/months.js';
import { runJobId } from './job-types.js';

/** Rounds of children after which a run that still has work left is failed rather than looped. */
export const MAX_ROUNDS = 6;
/** config worker.contactsPerJob's maximum: the most contacts one fetch-contacts job may list. */
export const MAX_CONTACTS_PER_JOB = 1000;
/** Intercom's largest contacts page (config intercom.perPage's maximum). */
export const MAX_PER_PAGE = 150;
/** An Intercom id (cohort or contact): opaque, any characters, but not a megabyte. */
export const MAX_ID_LENGTH = 1024;
/** Cohort name patterns a run may carry, and their size: each becomes a regular expression. */
export const MAX_PATTERNS = 100;
export const MAX_PATTERN_LENGTH = 256;
/** Each `*` is a `.*`: a pattern of many is slow to match against a long name (backtracking). */
export const MAX_PATTERN_WILDCARDS = 10;
/** Years 0000–9999 (what a month label can name) in Unix seconds. */
const MAX_UNIX_SEC = 253_402_300_799;

const month = z.string().refine(isMonth, { message: 'expected YYYY-MM' });
// What config's report.timezone accepts: what Intl knows.
const timeZone = z.string().max(64, { message: 'expected an IANA time zone (at most 64 characters)' }).refine(isTimeZone, { message: 'expected an IANA time zone' });

const id = z.string().min(1, { message: 'expected a non-empty id' }).max(MAX_ID_LENGTH, { message: `expected an id of at most ${MAX_ID_LENGTH} characters` });

/** A run job's id, as runJobId builds it (letters, digits, '.', '_', '-' and %-escapes). */
const jobId = z
  .string()
  .max(256, { message: 'expected a job id of at most 256 characters' })
  .regex(/^[A-Za-z0-9._%-]+$/, { message: 'expected a job id (letters, digits, ".", "_", "-", "%")' });

/** `<run job timestamp>.<round>` (process-month-run.ts); only ever a Redis field value, kept short and plain. */
const claimScope = z
  .string()
  .max(64, { message: 'expected at most 64 characters' })
  .regex(/^[A-Za-z0-9._-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' });

const round = z.number().int().min(1).max(MAX_ROUNDS);

const pattern = z
  .string()
  .min(1, { message: 'expected a non-empty pattern' })
  .max(MAX_PATTERN_LENGTH, { message: `expected a pattern of at most ${MAX_PATTERN_LENGTH} characters` })
  .refine((p) => p.split('*').length - 1 <= MAX_PATTERN_WILDCARDS, { message: `expected at most ${MAX_PATTERN_WILDCARDS} "*" in a pattern` });
const patterns = z.array(pattern).max(MAX_PATTERNS, { message: `expected at most ${MAX_PATTERNS} patterns` });

export const COHORT_FILTER_SCHEMA = z.strictObject({
  segments: z.boolean(),
  tags: z.boolean(),
  /** Empty: every cohort. */
  include: patterns,
  /** Wins over include. */
  exclude: patterns,
});

/**
 * What every job of a run needs to re-plan it identically (planRun is pure in these). The run must be
 * one planRun accepts at `plannedAtSec`, and `runId` the id planRun gives it: store keys and job ids
 * are built from it, so a made-up id cannot reach another run's keys.
 */
export const PLANNED_RUN_SCHEMA = z
  .strictObject({
    runId: z.string().max(128, { message: 'expected at most 128 characters' }),
    from: month,
    to: month,
    timeZone,
    allowPartial: z.boolean(),
    /** The clock when the run was planned (Unix s): every worker re-plans with it, so all see one plan. */
    plannedAtSec: z.number().int().min(0).max(MAX_UNIX_SEC),
    /**
     * The workspace (`app.id_code`) the run was queued for. Kept in `run`, which every child job copies,
     * so a worker of another workspace fails any job of the run rather than mixing the two. Absent in
     * jobs queued before deployments were bound to a workspace: those are not checked.
     */
    workspaceId: z.string().min(1).max(256, { message: 'expected at most 256 characters' }).optional(),
  })
  .superRefine((run, ctx) => {
    // Refinements run even when a field failed (a failed regex does not stop zod): plan only well-formed runs.
    const { from, to, timeZone: zone, plannedAtSec, allowPartial, runId } = run as Partial<typeof run>;
    if (typeof from !== 'string' || typeof to !== 'string' || !isMonth(from) || !isMonth(to)) return;
    if (typeof zone !== 'string' || !isTimeZone(zone) || typeof allowPartial !== 'boolean') return;
    if (!Number.isSafeInteger(plannedAtSec) || plannedAtSec! < 0 || plannedAtSec! > MAX_UNIX_SEC || typeof runId !== 'string') return;
    if (to < from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'expected a month not before run.from' });
      return;
    }
    try {
      const plan = planRun({ from, to, timeZone: zone, nowSec: plannedAtSec!, allowPartial });
      if (plan.runId !== runId) ctx.addIssue({ code: 'custom', path: ['runId'], message: `expected ${plan.runId}, the id of its months and zone` });
    } catch (err) {
      if (!(err instanceof RunPlanError)) throw err;
      // The message names only months and a zone checked above, never a raw value.
      ctx.addIssue({ code: 'custom', path: [], message: `a run that cannot be planned: ${err.message}` });
    }
  });

/** One run of one or more months, the parent of every other job of the run. */
export const MONTH_RUN_DATA_SCHEMA = z.strictObject({
  run: PLANNED_RUN_SCHEMA,
  /** Which cohorts to report; absent: the worker's configured cohorts (include/exclude). */
  cohorts: COHORT_FILTER_SCHEMA.optional(),
  /** Set by the run job itself: how many rounds of children it has added so far. */
  round: round.optional(),
  /**
   * Set by the run job itself on its first pass: when the run began (Unix ms). BullMQ restarts a parent
   * job's processing (processedOn) each time its children finish, so that cannot say it.
   */
  startedAtMs: z.number().int().min(0).max(MAX_UNIX_SEC * 1000).optional(),
  /** `enqueue --replace`: the run may replace a month whose folder holds cohorts it does not select. */
  replace: z.boolean().optional(),
});

/** A child's `runJobId` must be its run's job: it is the parent its children are added to and its progress target. */
function requireOwnRunJob(data: { run?: { runId?: unknown }; runJobId?: unknown }, ctx: z.RefinementCtx): void {
  const runId = data.run?.runId;
  if (typeof runId !== 'string' || typeof data.runJobId !== 'string') return;
  const expected = runJobId(runId);
  if (data.runJobId !== expected) ctx.addIssue({ code: 'custom', path: ['runJobId'], message: `expected ${expected}, the job of run.runId` });
}

/** Pages one cohort's members into the store and queues their events fetches. */
export const PAGE_COHORT_DATA_SCHEMA = z
  .strictObject({
    run: PLANNED_RUN_SCHEMA,
    cohortType: z.enum(['segment', 'tag'], { message: 'expected "segment" or "tag"' }),
    cohortId: id,
    perPage: z.number().int().min(1).max(MAX_PER_PAGE),
    /** The run job: parent of the fetch-contacts jobs this page job adds. */
    runJobId: jobId,
    /** Contacts per fetch-contacts job. */
    contactsPerJob: z.number().int().min(1).max(MAX_CONTACTS_PER_JOB),
    /** The run job's round that added this job (part of the events jobs' ids). */
    round,
    /** Scope of the contact claims (see claimContacts): one per run job incarnation and round. */
    claimScope,
  })
  .superRefine(requireOwnRunJob);

/** Fetches, folds and records the events of a few contacts, each at most once per run. */
export const FETCH_CONTACTS_DATA_SCHEMA = z
  .strictObject({
    run: PLANNED_RUN_SCHEMA,
    /** The run job, whose progress this job refreshes. */
    runJobId: jobId,
    contactIds: z
      .array(id)
      .min(1, { message: 'expected at least one contact id' })
      .max(MAX_CONTACTS_PER_JOB, { message: `expected at most ${MAX_CONTACTS_PER_JOB} contact ids` }),
    claimScope,
  })
  .superRefine(requireOwnRunJob);

/** Lists one month's conversations into the store (once every cohort of the run is paged). */
export const LIST_CONVERSATIONS_DATA_SCHEMA = z
  .strictObject({
    run: PLANNED_RUN_SCHEMA,
    /** The run job, whose progress this job refreshes. */
    runJobId: jobId,
    /** One of the run's months. */
    month,
    /** Names the run job incarnation (see incarnationOf), whose store and client the job uses. */
    claimScope,
  })
  .superRefine(requireOwnRunJob)
  .superRefine((data, ctx) => {
    const { run, month: m } = data as Partial<typeof data>;
    if (typeof m !== 'string' || !isMonth(m) || typeof run?.from !== 'string' || typeof run.to !== 'string') return;
    if (m < run.from || m > run.to) ctx.addIssue({ code: 'custom', path: ['month'], message: `expected a month of the run, from ${run.from} to ${run.to}` });
  });

/**
 * Produced by the job scheduler: queues the previous month's run, computed when it is processed. No
 * output folder: the worker that writes the run writes to its own report.outDir.
 */
export const SCHEDULED_RUN_DATA_SCHEMA = z.strictObject({
  timeZone,
});

/** Each job name's schema (keys checked against JobName in job-types.ts). */
export const JOB_DATA_SCHEMAS = {
  'month-run': MONTH_RUN_DATA_SCHEMA,
  'page-cohort': PAGE_COHORT_DATA_SCHEMA,
  'fetch-contacts': FETCH_CONTACTS_DATA_SCHEMA,
  'list-conversations': LIST_CONVERSATIONS_DATA_SCHEMA,
  'scheduled-run': SCHEDULED_RUN_DATA_SCHEMA,
} as const;
