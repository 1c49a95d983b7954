/**
 * `cohort-reports status`: the job scheduler, whether the API's rate limit pauses the deployment (and
 * until when), and every run (newest first) with its state, progress, start, end, duration, output
 * folder, API calls and 429s; `--json` for scripts.
 */
import { dirname } from 'node:path';
import type { Job } from 'bullmq';
import { formatBinding, readDeploymentWorkspace } from '../../jobs/bind-deployment-workspace.js';
import { readRateLimitPause } from '../../jobs/read-rate-limit-pause.js';
import { readRunJobProgress } from '../../jobs/refresh-run-progress.js';
import { SCHEDULER_ID, type RunJobProgress } from '../../jobs/job-types.js';
import { readPlannedRun, readWrittenOutDir } from '../../jobs/parse-job-data.js';
import { createRedisStore } from '../pipeline/redis-store.js';
import { escapeJsonText, printable } from '../shared/printable.js';
import { redactCredentials } from '../shared/redact-url.js';
import type { ParsedFlags } from './flags.js';
import { asRunProgress, formatProgress } from './format-progress.js';
import { openQueue } from './open-queue.js';
import { formatDuration } from './progress-line.js';
import { loadConfigFromFlags } from './shared-flags.js';

export interface RunStatus {
  months: string;
  timeZone: string;
  jobId: string;
  state: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** The folder the writing worker says it wrote to (its own report.outDir); null before it has written. */
  outDir: string | null;
  dirs: string[];
  progress: RunJobProgress | null;
  failedReason: string | null;
  /** While the run is live and the API's rate limit pauses every worker: when the pause ends (ISO). */
  pausedUntil: string | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

async function statusOf(job: Job, read: (runId: string) => Promise<RunJobProgress>, nowMs: number, pausedUntil: string | null): Promise<RunStatus> {
  // Job data is whatever was queued: a run job added by hand without a plannable run is listed, not fatal.
  const run = readPlannedRun(job.data);
  const state = await job.getState();
  const live = state !== 'completed' && state !== 'failed';
  const dirs = (job.returnvalue as { dirs?: string[] } | null)?.dirs ?? [];
  // The run's own start (its first pass, kept in its data); BullMQ's processedOn moves to its last pass.
  const recorded = (job.data as { startedAtMs?: unknown } | null)?.startedAtMs;
  const start = typeof recorded === 'number' && Number.isSafeInteger(recorded) ? recorded : (job.processedOn ?? undefined);
  const end = live ? undefined : (job.finishedOn ?? undefined);
  return {
    months: run === null ? '(unreadable job data)' : run.from === run.to ? run.from : `${run.from}..${run.to}`,
    timeZone: run?.timeZone ?? '-',
    jobId: String(job.id),
    state,
    startedAt: iso(start),
    finishedAt: iso(end),
    durationMs: start === undefined ? null : (end ?? nowMs) - start,
    // As the line shows it: the folder the worker named, else the one its month folders are in.
    outDir: readWrittenOutDir(job.returnvalue) ?? (dirs.length > 0 ? dirname(dirs[0]!) : null),
    dirs,
    progress: live && run !== null ? await read(run.runId) : asRunProgress(job.progress),
    // Written by whichever worker failed the run (and readable by anything that can write to Redis):
    // a URL in it has its credentials masked here, for --json as for the line.
    failedReason: state === 'failed' && job.failedReason ? redactCredentials(job.failedReason) : null,
    pausedUntil: live ? pausedUntil : null,
  };
}

/**
 * `paused by the API's rate limit until 14:03:07`, in `timeZone` (default the host's).
 *
 * @example formatPause('2026-11-02T14:03:07.400Z', 'UTC') // "paused by the API's rate limit until 14:03:07"
 */
export function formatPause(untilIso: string, timeZone?: string): string {
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) });
  return `paused by the API's rate limit until ${clock.format(new Date(untilIso))}`;
}

/**
 * One run as a line: `2026-10 UTC (run.…): completed · … · started … · took 3m05s · out /reports`.
 * Everything in it was read from Redis (job data, the failed reason a worker stored from an API's or
 * the workspace's text), so the line is shown printable.
 */
export function formatRunStatus(s: RunStatus, timeZone?: string): string {
  const times = [
    s.startedAt ? `started ${s.startedAt}` : 'not started',
    ...(s.finishedAt ? [`ended ${s.finishedAt}`] : []),
    ...(s.durationMs !== null ? [`${s.finishedAt ? 'took' : 'running for'} ${formatDuration(s.durationMs / 1000)}`] : []),
  ];
  const out = s.outDir ?? (s.dirs.length > 0 ? s.dirs.join(', ') : null);
  const reason = s.failedReason ? ` · ${s.failedReason}` : '';
  const pause = s.pausedUntil ? ` · ${formatPause(s.pausedUntil, timeZone)}` : '';
  return printable(`${s.months} ${s.timeZone} (${s.jobId}): ${formatProgress(s.state, s.progress)} · ${times.join(' · ')}${pause}${out ? ` · out ${out}` : ''}${reason}`);
}

export async function statusCommand(flags: ParsedFlags): Promise<number> {
  const { config } = loadConfigFromFlags(flags, false);
  const q = await openQueue(config);
  try {
    const scheduler = await q.queue.getJobScheduler(SCHEDULER_ID);
    const jobs = await q.queue.getJobs(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized', 'completed', 'failed'], 0, 200);
    const runs = jobs.filter((j) => j.name === 'month-run').sort((a, b) => b.timestamp - a.timestamp);
    const read = (runId: string): Promise<RunJobProgress> =>
      readRunJobProgress(createRedisStore({ redis: q.redis, prefix: config.redis.prefix, runId }));
    const nowMs = Date.now();
    const pausedUntil = iso((await readRateLimitPause(q.queue, q.redis, config.redis.prefix, nowMs)) ?? undefined);
    const statuses = await Promise.all(runs.map((job) => statusOf(job, read, nowMs, pausedUntil)));
    const workspace = await readDeploymentWorkspace(q.redis, config.redis.prefix);
    if (flags.json === true) {
      const schedulerJson = scheduler ? { id: SCHEDULER_ID, pattern: scheduler.pattern ?? null, timeZone: scheduler.tz ?? null, next: iso(scheduler.next) } : null;
      process.stdout.write(`${escapeJsonText(JSON.stringify({ workspace, scheduler: schedulerJson, pausedUntil, runs: statuses }, null, 2))}\n`);
      return 0;
    }
    process.stdout.write(`${printable(formatBinding(workspace))}\n`);
    process.stdout.write(
      scheduler
        ? `${printable(`scheduler ${SCHEDULER_ID}: "${scheduler.pattern}" in ${scheduler.tz ?? 'host zone'}, next ${scheduler.next ? new Date(scheduler.next).toISOString() : 'unknown'}`)}\n`
        : `no job scheduler (run: cohort-reports schedule)\n`,
    );
    if (pausedUntil !== null) process.stdout.write(`${formatPause(pausedUntil)}\n`);
    if (statuses.length === 0) process.stdout.write('no runs\n');
    for (const s of statuses) process.stdout.write(`${formatRunStatus(s)}\n`);
    return 0;
  } finally {
    await q.close();
  }
}
