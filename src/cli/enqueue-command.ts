/**
 * `cohort-reports enqueue`: queues a run for the workers; with --wait, shows its progress line (with
 * an ETA from the measured rate) until it completes (0) or fails (1). Says so when no worker is
 * connected, and Ctrl-C only stops the waiting: the run stays queued. Before queueing it reads the
 * workspace with INTERCOM_TOKEN (GET /me, the segments and tags) through the deployment's shared
 * limiter: a token of another workspace than the deployment's, or a selection that keeps no cohort, is
 * refused (exit 2) with nothing queued. It names no output folder: the worker that writes the run writes
 * to its own (`--out` is refused, see refuse-out-flag.ts).
 */
import { dirname } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeWorkspace } from '../intercom/identify-workspace.js';
import { enqueueRun } from '../../jobs/enqueue-run.js';
import { readRunJobProgress } from '../../jobs/refresh-run-progress.js';
import type { Config } from '../config.js';
import { planRun } from '../pipeline/plan-run.js';
import { createRedisStore } from '../pipeline/redis-store.js';
import { INDEX_FILE, pageUrl } from '../report-html/index.js';
import { InterruptedError, UsageError } from './cli-errors.js';
import { createCliLogger } from './create-cli-logger.js';
import { listFlag, type ParsedFlags } from './flags.js';
import { openQueue } from './open-queue.js';
import { prepareDeploymentRun } from './prepare-deployment-run.js';
import { refuseOutFlag } from './refuse-out-flag.js';
import { createProgressReporter } from './progress-reporter.js';
import { loadConfigFromFlags, monthArgs } from './shared-flags.js';
import { readRunResults } from '../../jobs/parse-job-data.js';
import { finalLines } from './run-command.js';
import { resolveTerminal, screenOf, type Terminal } from './terminal.js';
import { onStopSignal } from './on-stop-signal.js';
import { sleep } from '../shared/sleep.js';
import { printable } from '../shared/printable.js';
import { redactCredentials } from '../shared/redact-url.js';

/** How long a queued run may wait with no worker connected before `--wait` says so. */
export const NO_WORKER_NOTICE_MS = 3_000;
const POLL_MS = 1_000;

export async function enqueueCommand(flags: ParsedFlags): Promise<number> {
  refuseOutFlag('enqueue', flags);
  const { config, token } = loadConfigFromFlags(flags, true);
  if (token === null) throw new UsageError('INTERCOM_TOKEN is not set');
  const months = monthArgs(flags);
  const selected = listFlag(flags, 'select').length > 0 || listFlag(flags, 'exclude').length > 0;
  const replace = flags.replace === true;
  const terminal = resolveTerminal(flags, process.env);
  const run = {
    ...months,
    timeZone: config.report.timezone,
    nowSec: Math.floor(Date.now() / 1000),
    allowPartial: flags['allow-partial'] === true,
  };
  // A month that cannot be run is refused before Redis or the API hear of it (planRun is pure).
  planRun(run);
  const q = await openQueue(config);
  try {
    // The workspace, the deployment's binding and a selection that keeps a cohort: checked before
    // anything is queued (a run of zero cohorts would replace a month with nothing).
    const { workspace } = await prepareDeploymentRun({
      config,
      token,
      redis: q.redis,
      selection: config.cohorts,
      log: createCliLogger(terminal, { level: config.log.level, secrets: [token] }),
    });
    const outcome = await enqueueRun(
      q.queue,
      {
        ...run,
        // Only a selection given here travels with the job; otherwise each worker's configuration applies.
        cohorts: selected ? config.cohorts : undefined,
        workspaceId: workspace.id,
        replace,
      },
      (runId) => createRedisStore({ redis: q.redis, prefix: config.redis.prefix, runId }).clear(),
    );
    const said =
      outcome.kind === 'live'
        ? `run ${outcome.runId} is already ${outcome.state}: nothing queued (job ${outcome.jobId})${replace ? '; --replace applies to a run queued anew, not to this one' : ''}`
        : outcome.kind === 'replaced'
          ? `queued run ${outcome.runId} (job ${outcome.jobId}) for workspace ${describeWorkspace(workspace)}, replacing the ${outcome.previousState} one`
          : `queued run ${outcome.runId} (job ${outcome.jobId}) for workspace ${describeWorkspace(workspace)}`;
    process.stdout.write(`${said}\n`);
    if (flags.wait !== true) return 0;
    return await waitForRun(q.queue, q.redis, config, terminal, outcome.jobId, outcome.runId);
  } finally {
    await q.close();
  }
}

async function waitForRun(queue: Queue, redis: Redis, config: Readonly<Config>, terminal: Terminal, jobId: string, runId: string): Promise<number> {
  const store = createRedisStore({ redis, prefix: config.redis.prefix, runId });
  const log = createCliLogger(terminal, { level: config.log.level }).child({ runId, stage: 'progress' });
  let state = 'waiting';
  const progress = createProgressReporter({
    read: async () => ({ state, ...(await readRunJobProgress(store)) }),
    terminal,
    log,
    poll: true,
  });
  const interrupted = new AbortController();
  const stopListening = onStopSignal(() => interrupted.abort());
  const say = (line: string): void => {
    progress.step();
    screenOf(terminal).line(line);
  };
  const startedAt = Date.now();
  let toldNoWorker = false;
  try {
    for (;;) {
      if (interrupted.signal.aborted) {
        progress.stop();
        throw new InterruptedError(`stopped waiting; run ${runId} stays queued (job ${jobId}): see cohort-reports status`);
      }
      const job = await queue.getJob(jobId);
      if (!job) {
        progress.stop();
        screenOf(terminal).line(`run job ${jobId} has disappeared (removed or replaced)`);
        return 1;
      }
      state = await job.getState();
      if (state === 'completed' || state === 'failed') {
        progress.stop();
        if (state === 'failed') {
          screenOf(terminal).line(`run ${runId} failed: ${printable(redactCredentials(job.failedReason ?? ''))}`);
          return 1;
        }
        // The summary `run` prints, from the run_results.json the writing worker returned (a run
        // written by an older worker returned only its folders).
        const results = readRunResults(job.returnvalue);
        if (results !== null) {
          for (const line of finalLines(results, process.stdout.columns || 80)) process.stdout.write(`${printable(line)}\n`);
          return 0;
        }
        const dirs = (job.returnvalue as { dirs?: string[] } | null)?.dirs ?? [];
        for (const dir of dirs) process.stdout.write(`wrote ${dir}\n`);
        // Like `run`: the last line is the page that links every month.
        if (dirs[0] !== undefined) process.stdout.write(`open ${pageUrl(dirname(dirs[0]), INDEX_FILE)}\n`);
        return 0;
      }
      if (!toldNoWorker && state === 'waiting' && Date.now() - startedAt >= NO_WORKER_NOTICE_MS && (await queue.getWorkers()).length === 0) {
        toldNoWorker = true;
        say(`no worker is connected to queue ${queue.qualifiedName}: start one with \`cohort-reports worker\` (still waiting; Ctrl-C leaves the run queued)`);
      }
      // Ctrl-C ends the pause at once; the loop's first line then reports it.
      await sleep(POLL_MS, interrupted.signal).catch(() => {});
    }
  } finally {
    progress.stop();
    stopListening();
  }
}
