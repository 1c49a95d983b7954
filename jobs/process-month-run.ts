/**
 * The run job, a step job that reads top to bottom like the single-process run:
 *   (check the token may read conversations) → discover cohorts (once; kept in the store) → one
 *   page-cohort child per cohort not yet paged, each adding fetch-contacts children of this job as its
 *   pages arrive, and the one that pages the last cohort adding a list-conversations child per month
 *   (who is a member is known then: see process-page-cohort.ts) → wait for every child → a sweep round
 *   for any contact still without a result and any month not yet listed (normally none; it repairs a
 *   page that came back different after a crash, or a run resumed after failing)
 *   → write the reports → release the run's contacts from Redis, keeping the outcome a retry returns.
 * Every pass is idempotent: a retry after a crash re-adds children under the same ids (no-ops), and the
 * store says what is already done. `round` (kept in the job data before waiting) makes each round's
 * child ids and contact claims distinct from the last.
 */
import { UnrecoverableError, WaitingChildrenError } from 'bullmq';
import type { Logger } from 'pino';
import { discoverCohorts, requireCohorts } from '../src/pipeline/discover-cohorts.js';
import { cohortKeyOf } from '../src/pipeline/run-store.js';
import { prepareReportWriting, writeRunReports } from '../src/pipeline/write-run-reports.js';
import type { RunResults } from '../src/pipeline/write-run-results.js';
import { checkOutput, MonthIntegrityError, MonthScopeError } from '../src/report-files/check-output.js';
import { describeHolder, OutputLockedError, type OutputLock } from '../src/report-files/output-lock.js';
import { openReportOutput } from '../src/report-output/open-report-output.js';
import type { ReportOutput } from '../src/report-output/report-output.js';
import { OutputWorkspaceMismatchError, WorkspaceMarkerError } from '../src/report-files/output-workspace.js';
import { NoCohortSelectedError } from '../src/pipeline/errors.js';
import { sleep } from '../src/shared/sleep.js';
import { childJob, type AnyChildJob } from './child-job.js';
import { conversationChildren } from './conversation-children.js';
import { pageJobId, runJobId, sweepJobId, type FetchContactsData, type MonthRunData, type PageCohortData } from './job-types.js';
import { MAX_ROUNDS } from './job-schemas.js';
import { readRunJobProgress } from './refresh-run-progress.js';
import type { Processor, WorkerContext } from './worker-context.js';

export { MAX_ROUNDS };

export interface MonthRunResult {
  months: string[];
  /** Where the worker wrote: its own report.outDir, a folder or s3://bucket/prefix (what `status` shows as the run's output). */
  outDir: string;
  dirs: string[];
  contacts: number;
  apiCalls: number;
  /** run_results.json as written: what `enqueue --wait` prints the run's summary from, as `run` does. */
  runResults?: RunResults;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How long the report writer waits for an output another writer holds, and how often it looks. */
export const OUTPUT_LOCK_WAIT_MS = 15 * 60_000;
const OUTPUT_LOCK_POLL_MS = 5_000;

/**
 * Refusals no retry can mend (another workspace's output, a narrower month, an edited month, no cohort)
 * fail the run at once with their one line, instead of burning the job's attempts.
 */
async function permanentIfRefused<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const refused =
      err instanceof OutputWorkspaceMismatchError ||
      err instanceof WorkspaceMarkerError ||
      err instanceof MonthScopeError ||
      err instanceof MonthIntegrityError ||
      err instanceof NoCohortSelectedError;
    if (refused) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
}

/** The output's lock, waiting (bounded) while a `run` or another deployment writes the folder. */
async function waitForOutputLock(target: ReportOutput, command: string, signal: AbortSignal | undefined, log: Logger): Promise<OutputLock> {
  const deadline = Date.now() + OUTPUT_LOCK_WAIT_MS;
  const outDir = target.location;
  for (;;) {
    try {
      const lock = await target.lock(command);
      if (lock.tookOverFrom !== null) log.warn({ outDir }, `took over the lock of ${describeHolder(lock.tookOverFrom)}, which is no longer running`);
      return lock;
    } catch (err) {
      // Past the deadline the error goes to BullMQ as a transient failure: retried with the job's backoff.
      if (!(err instanceof OutputLockedError) || Date.now() >= deadline) throw err;
      log.info({ outDir }, err.message);
      await sleep(OUTPUT_LOCK_POLL_MS, signal);
    }
  }
}

export const processMonthRun: Processor<'month-run'> = async (job, token, signal, ctx) => {
  // The worker's own output, whatever the job says: job data never chooses where files are written
  // (its schema has no such field), and writeRunReports writes only months named by the plan.
  const target = await openReportOutput(ctx.config.report.outDir, { log: (line: string) => ctx.log.warn(line) });
  try {
    return await runMonth(job, token, signal, ctx, target);
  } finally {
    await target.close();
  }
};

type MonthRunJob = Parameters<Processor<'month-run'>>[0];

async function runMonth(job: MonthRunJob, token: string, signal: AbortSignal | undefined, ctx: WorkerContext, target: ReportOutput): Promise<MonthRunResult> {
  const { run } = job.data;
  const plan = ctx.planFor(run);
  const { store, lease: leaseApi } = ctx.runFor(run.runId, job.timestamp);
  const jobId = job.id ?? runJobId(run.runId);
  const parent = { id: jobId, queue: ctx.queue.qualifiedName };
  const log = ctx.log.child({ runId: run.runId });
  // A retry after the reports were written and the store released: the run is done.
  const released = await store.released();
  if (released !== null) return JSON.parse(released) as MonthRunResult;
  // The run's start, recorded once: status, run_results.json and the manifests read it.
  if (job.data.startedAtMs === undefined) await job.updateData({ ...job.data, startedAtMs: Date.now() } satisfies MonthRunData);
  const startedAtMs = job.data.startedAtMs ?? Date.now();

  const outDir = target.location;
  const replace = job.data.replace === true;
  const months = plan.months.map((m) => m.month);
  const conversations = ctx.config.report.conversations;
  let cohorts = await store.loadCohorts();
  if (cohorts === null) {
    const lease = leaseApi();
    try {
      // A token without the permission fails the run here (permanently: map-job-error.ts), before
      // anything is recorded and before any event call.
      if (conversations) await lease.api.checkConversationsAccess(signal);
      cohorts = await discoverCohorts(lease.api, job.data.cohorts ?? ctx.config.cohorts, signal);
    } finally {
      await lease.release();
    }
    // Before anything is recorded or paged: a run its output cannot take fails now, not after spending
    // the allowance. Once the cohorts are saved (every later pass of this job) the check before the
    // reports are written (in writeRunReports) is the one that stands.
    const found = cohorts;
    await permanentIfRefused(async () => {
      requireCohorts(found, job.data.cohorts ?? ctx.config.cohorts);
      await checkOutput({ output: target, workspace: ctx.workspace, months, scope: { cohorts: found, formats: ctx.config.report.formats, conversations }, replace });
    });
    await store.saveCohorts(cohorts);
    log.info({ cohorts: cohorts.length }, 'cohorts discovered');
  }

  for (;;) {
    // Children of an earlier pass still pending (a retry after a crash): wait for them before adding more.
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
    const round = (job.data.round ?? 0) + 1;
    if (round > MAX_ROUNDS) throw new UnrecoverableError(`run ${run.runId}: work left after ${MAX_ROUNDS} rounds of children; giving up`);
    // Claims are per incarnation of the run job (its creation time) and round: see RedisStore.claimContacts.
    const claimScope = `${job.timestamp}.${round}`;
    const children: AnyChildJob[] = [];

    for (const cohort of cohorts) {
      if ((await store.cohortProgress(cohortKeyOf(cohort))).done) continue;
      const data: PageCohortData = {
        run,
        cohortType: cohort.type,
        cohortId: cohort.id,
        perPage: ctx.config.intercom.perPage,
        runJobId: jobId,
        contactsPerJob: ctx.config.worker.contactsPerJob,
        round,
        claimScope,
      };
      children.push(childJob('page-cohort', data, { jobId: pageJobId(run.runId, cohort.type, cohort.id, round), parent }));
    }
    if (children.length === 0) {
      const pending: string[] = [];
      for await (const batch of store.pendingContacts()) pending.push(...batch);
      chunk(pending, ctx.config.worker.contactsPerJob).forEach((contactIds, i) => {
        const data: FetchContactsData = { run, runJobId: jobId, contactIds, claimScope };
        children.push(childJob('fetch-contacts', data, { jobId: sweepJobId(run.runId, round, i), parent }));
      });
      if (pending.length > 0) log.info({ contacts: pending.length, round }, 'contacts without events: sweeping them');
      // Normally added already, in the round before, by the page-cohort job that paged the last
      // cohort: these are then the same jobs (or months already listed) and add nothing.
      if (conversations) children.push(...(await conversationChildren(store, { run, months, runJobId: jobId, parent, round, claimScope })));
    }
    if (children.length === 0) break;

    await ctx.queue.addBulk(children);
    // This worker may well write the reports: it loads what that needs while the children run.
    prepareReportWriting();
    await job.updateData({ ...job.data, round } satisfies MonthRunData);
    await job.updateProgress({ ...(await readRunJobProgress(store)) });
    log.info({ round, children: children.length }, 'waiting for children');
  }

  // The same lock `run` takes, so a `run` and a deployment never write one output at once.
  const lock = await waitForOutputLock(target, `cohort-reports worker: run ${run.runId}`, signal, log);
  let written;
  try {
    written = await permanentIfRefused(() =>
      writeRunReports({
        store,
        plan,
        target,
        source: { baseUrl: ctx.config.intercom.baseUrl, apiVersion: ctx.config.intercom.apiVersion },
        generatedAt: new Date(),
        timing: { duration_ms: Date.now() - startedAtMs },
        output: { formats: ctx.config.report.formats, formulaGuard: ctx.config.report.formulaGuard },
        startedAt: new Date(startedAtMs),
        workspace: { id: ctx.workspace.id, name: ctx.workspace.name },
        replace,
        conversations,
      }),
    );
  } finally {
    await lock.release();
  }
  const progress = await readRunJobProgress(store);
  await job.updateProgress({ ...progress });
  log.info({ months: written.months.map((w) => w.manifest.month), outDir }, 'run written');
  const result: MonthRunResult = {
    months: written.months.map((w) => w.manifest.month),
    outDir,
    dirs: written.months.map((w) => w.dir),
    contacts: progress.contacts,
    apiCalls: progress.apiCalls,
    runResults: JSON.parse(written.runResultsText) as RunResults,
  };
  // The contacts are of no further use once the reports are on disk: Redis keeps the outcome only.
  await store.release(JSON.stringify(result));
  return result;
};
