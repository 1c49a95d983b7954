/**
 * The distributed commands, dispatched from src/cli.ts: `schedule`, `worker`, `enqueue`, `status`.
 * Each builds its own Redis connections from config and closes them before returning its exit code.
 * Workers read INTERCOM_TOKEN from their own environment; nothing secret is ever put in a job.
 */
import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { collectDefaultMetrics } from 'prom-client';
import type { Config } from '../src/config.js';
import { UsageError } from '../src/cli-errors.js';
import { intFlag, type ParsedFlags } from '../src/commands/flags.js';
import { loadConfigFromFlags, monthArgs } from '../src/commands/shared-flags.js';
import { createLogger } from '../src/logger.js';
import { createMetrics, startMetricsServer, type CohortMetrics, type MetricsServer } from '../src/metrics/index.js';
import { createRedisStore } from '../src/pipeline/redis-store.js';
import { INDEX_FILE, MONTH_PAGE_FILE, pageUrl } from '../src/report-html/index.js';
import { connectRedis } from './connect-redis.js';
import { enqueueRun } from './enqueue-run.js';
import { asRunProgress, formatProgress } from './format-progress.js';
import { bullPrefix, QUEUE_NAME, SCHEDULER_ID, type MonthRunData } from './job-types.js';
import { portFlag } from './port-flag.js';
import { readRunProgress } from './refresh-run-progress.js';
import { startWorker, type WorkerHandle } from './start-worker.js';
import { upsertSchedule } from './upsert-schedule.js';

/** A queue handle for the short-lived commands, with the connections to close afterwards. */
function openQueue(config: Readonly<Config>) {
  const bull = connectRedis(config.redis.url, 'bullmq-producer');
  const redis = connectRedis(config.redis.url, 'commands');
  const queue = new Queue(QUEUE_NAME, { connection: bull, prefix: bullPrefix(config.redis.prefix) });
  return {
    queue,
    redis,
    async close() {
      await queue.close();
      bull.disconnect();
      redis.disconnect();
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function scheduleCommand(flags: ParsedFlags): Promise<number> {
  const { config } = loadConfigFromFlags(flags, false);
  const q = openQueue(config);
  try {
    const { nextMs } = await upsertSchedule(q.queue, {
      cron: config.schedule.cron,
      cronTimeZone: config.schedule.timezone,
      reportTimeZone: config.report.timezone,
      outDir: typeof flags.out === 'string' ? flags.out : undefined,
    });
    process.stdout.write(
      `job scheduler "${SCHEDULER_ID}": "${config.schedule.cron}" in ${config.schedule.timezone}, ` +
        `runs the previous month in ${config.report.timezone}; next ${nextMs === null ? 'unknown' : new Date(nextMs).toISOString()}\n`,
    );
    return 0;
  } finally {
    await q.close();
  }
}

async function workerCommand(flags: ParsedFlags): Promise<number> {
  const { config, token } = loadConfigFromFlags(flags, true);
  if (token === null) throw new UsageError('INTERCOM_TOKEN is not set');
  const concurrency = intFlag(flags, 'concurrency', config.worker.concurrency, 1);
  const log = createLogger({ level: config.log.level, secrets: [token] }).child({ role: 'worker' });
  if (flags['metrics-host'] !== undefined && flags['metrics-port'] === undefined) {
    throw new UsageError('--metrics-host goes with --metrics-port (e.g. --metrics-port 9464 --metrics-host 0.0.0.0)');
  }
  // The metrics server starts first, so a port already taken fails the command before any job is taken.
  let metrics: CohortMetrics | undefined;
  let metricsServer: MetricsServer | null = null;
  if (flags['metrics-port'] !== undefined) {
    metrics = createMetrics();
    collectDefaultMetrics({ register: metrics.registry });
    metricsServer = await startMetricsServer({
      registry: metrics.registry,
      host: typeof flags['metrics-host'] === 'string' ? flags['metrics-host'] : '127.0.0.1',
      port: portFlag(flags, 'metrics-port', 9464),
    });
    log.info({ url: metricsServer.url, port: metricsServer.port }, 'metrics listening');
  }
  let handle: WorkerHandle;
  try {
    handle = await startWorker({ config, token, concurrency, log, ...(metrics ? { metrics } : {}) });
  } catch (err) {
    await metricsServer?.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      log.info({ signal, drainTimeoutMs: config.worker.drainTimeoutMs }, 'draining');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const { forced } = await handle.drain(config.worker.drainTimeoutMs);
  await metricsServer?.close();
  log.info({ forced }, forced ? 'drain deadline passed: active jobs handed back' : 'drained');
  return 0;
}

async function enqueueCommand(flags: ParsedFlags): Promise<number> {
  const { config } = loadConfigFromFlags(flags, false);
  const months = monthArgs(flags);
  const q = openQueue(config);
  try {
    const outcome = await enqueueRun(
      q.queue,
      {
        ...months,
        timeZone: config.report.timezone,
        nowSec: Math.floor(Date.now() / 1000),
        allowPartial: flags['allow-partial'] === true,
        outDir: typeof flags.out === 'string' ? flags.out : undefined,
      },
      (runId) => createRedisStore({ redis: q.redis, prefix: config.redis.prefix, runId }).clear(),
    );
    const said =
      outcome.kind === 'live'
        ? `run ${outcome.runId} is already ${outcome.state}: nothing queued (job ${outcome.jobId})`
        : outcome.kind === 'replaced'
          ? `queued run ${outcome.runId} (job ${outcome.jobId}), replacing the ${outcome.previousState} one`
          : `queued run ${outcome.runId} (job ${outcome.jobId})`;
    process.stdout.write(`${said}\n`);
    if (flags.wait !== true) return 0;
    return await waitForRun(q.queue, q.redis, config, outcome.jobId, outcome.runId);
  } finally {
    await q.close();
  }
}

/** Polls the run job until it completes (0) or fails (1), showing its progress. */
async function waitForRun(queue: Queue, redis: ReturnType<typeof connectRedis>, config: Readonly<Config>, jobId: string, runId: string): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const store = createRedisStore({ redis, prefix: config.redis.prefix, runId });
  let last = '';
  for (;;) {
    const job = await queue.getJob(jobId);
    if (!job) {
      process.stderr.write(`${tty ? '\n' : ''}run job ${jobId} has disappeared (removed or replaced)\n`);
      return 1;
    }
    const state = await job.getState();
    const line = formatProgress(state, await readRunProgress(store, redis, config.redis.prefix, runId));
    if (line !== last) {
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
    }
    if (state === 'completed' || state === 'failed') {
      if (tty) process.stderr.write('\n');
      if (state === 'failed') {
        process.stderr.write(`run ${runId} failed: ${job.failedReason}\n`);
        return 1;
      }
      const dirs = (job.returnvalue as { dirs?: string[] } | null)?.dirs ?? [];
      for (const dir of dirs) process.stdout.write(`wrote ${dir}\npage ${pageUrl(dir, MONTH_PAGE_FILE)}\n`);
      if (dirs[0] !== undefined) process.stdout.write(`open ${pageUrl(dirname(dirs[0]), INDEX_FILE)}\n`);
      return 0;
    }
    await sleep(1_000);
  }
}

async function statusCommand(flags: ParsedFlags): Promise<number> {
  const { config } = loadConfigFromFlags(flags, false);
  const q = openQueue(config);
  try {
    const scheduler = await q.queue.getJobScheduler(SCHEDULER_ID);
    process.stdout.write(
      scheduler
        ? `scheduler ${SCHEDULER_ID}: "${scheduler.pattern}" in ${scheduler.tz ?? 'host zone'}, next ${scheduler.next ? new Date(scheduler.next).toISOString() : 'unknown'}\n`
        : `no job scheduler (run: cohort-reports schedule)\n`,
    );
    const jobs = await q.queue.getJobs(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized', 'completed', 'failed'], 0, 200);
    const runs = jobs.filter((j) => j.name === 'month-run').sort((a, b) => b.timestamp - a.timestamp);
    if (runs.length === 0) process.stdout.write('no runs\n');
    for (const job of runs) {
      const data = job.data as MonthRunData;
      const state = await job.getState();
      const live = state !== 'completed' && state !== 'failed';
      const store = createRedisStore({ redis: q.redis, prefix: config.redis.prefix, runId: data.run.runId });
      const progress = live ? await readRunProgress(store, q.redis, config.redis.prefix, data.run.runId) : asRunProgress(job.progress);
      const months = data.run.from === data.run.to ? data.run.from : `${data.run.from}..${data.run.to}`;
      const reason = state === 'failed' ? ` · ${job.failedReason}` : '';
      process.stdout.write(`${months} ${data.run.timeZone} (${job.id}): ${formatProgress(state, progress)}${reason}\n`);
    }
    return 0;
  } finally {
    await q.close();
  }
}

export async function jobsCommand(command: string, flags: ParsedFlags): Promise<number> {
  switch (command) {
    case 'schedule':
      return scheduleCommand(flags);
    case 'worker':
      return workerCommand(flags);
    case 'enqueue':
      return enqueueCommand(flags);
    case 'status':
      return statusCommand(flags);
    default:
      throw new UsageError(`unknown command "${command}"; see cohort-reports --help`);
  }
}
