/**
 * month — a whole month run against a 20,000-contact sandbox workspace with a fixed allowance
 * (3,300 requests per 10-second fixed window), five contenders one after another, each against a
 * FRESH sandbox (same seed, same nowSec: the same data, a new rate window and new counters):
 *
 * - run:     `cohort-reports run --month M`, one process, in-memory limiter;
 * - workers: 4 `cohort-reports worker --concurrency 8` processes (started and ready first, not timed)
 *            + `cohort-reports enqueue --month M --wait`, sharing the Redis limiter under a fresh prefix;
 * - run and workers again with `report.conversations: false` (a --config file): the figures as they
 *   were before the run listed conversations, side by side with the default's (conversations on);
 * - naive:   what the Intercom tutorials do (see test/support/bench-month-naive.ts): per cohort list
 *            the members, per member follow every events page, then the month's conversations; no
 *            sharing, no limiter, sleep until X-RateLimit-Reset on a 429. Given up at 3 × the lower
 *            bound ("did not finish").
 *
 * M is the last complete UTC month before Date.now(); the reports use UTC (REPORT_TIMEZONE=UTC).
 * --quick: 2,000 contacts, same allowance (a smoke test; its runs are short enough that the limiter's
 * initial burst and the start-up dominate the ratios).
 *
 * Figures (the sandbox's counters are the source for calls and 429s):
 * - min_calls: the fewest calls the run can make, from the sandbox's ground truth
 *   (bench-month-minimum.ts) at the events page size the project's client gets (it asks for 150, the
 *   sandbox's maximum; the naive client sends no per_page and gets the default, 50), plus the asks a
 *   regime refuses (see the pagesize scenario, which reuses `measure` with other regimes). extra_search_calls and
 *   extra_events_calls: the calls per endpoint beyond the minimum (the log names how many contacts
 *   took more events pages than they needed). With conversations on the minimum counts the access
 *   probe and ceil(n / 150) POST /conversations/search pages per month (bench-month-minimum.ts);
 *   conversation_calls is what the sandbox counted under 'conversations.search', beside
 *   min_conversation_calls (probe + pages), conversation_pages_by_month, conversations_in_window_by_month
 *   (n) and conversation_padding_days (the window asked for is W(M) widened by that much each side).
 * - lower_bound_s = min_calls / (allowance × share / window): the time the configured share (0.9, the
 *   project's default, passed as RATE_LIMIT_SHARE) of the allowance needs for them, every call the
 *   run makes counted (the conversation calls too, when on). The naive client
 *   uses no share, so it could beat the bound by up to 1/share if it made only the minimum calls.
 * - wall_s: from spawning the process (run, enqueue; workers were already up) until the reports are
 *   written (run: exit; workers: the run job's finishedOn), so it includes the CLI's start-up
 *   (startup_s = spawn → first request at the sandbox), the requests (api_span_s) and the final write
 *   (finish_s = last request → done). Naive: spawn → exit.
 * - mid_rate_ratio: requests per second between the 10th and 90th percentile of the run's requests,
 *   divided by allowance × share / window; ≈ 1 means the limiter sets the pace.
 * - conversation_listing_start_s / _end_s, last_other_call_s: from the first request, when the month's
 *   conversation pages were listed and when the last other call was made; conversation_tail_s: how
 *   long the listing kept calling after the rest (bench-watch-conversations.ts).
 * - cpu_busy: CPU seconds of every process involved (sandbox_cpu_s: this process, i.e. the sandbox
 *   and the harness; client_cpu_s: the contender's processes from its start; redis_cpu_s) over
 *   wall_s × cores: near 1 the cores, not the limiter, are the bottleneck. other_cpu_busy: the share
 *   of the cores busy meanwhile but not charged to those processes (/proc/stat: other jobs, steal,
 *   and also the kernel's softirq work for the loopback traffic and tsx's esbuild helpers). Each
 *   contender starts only once the machine is quiet (< 15% busy elsewhere, waiting up to 5 min):
 *   on a shared machine another job's CPU would otherwise be charged to the contender's wall time.
 * - peak_rss_mb: the largest peak RSS (getrusage maxrss) among the contender's processes (the enqueue
 *   process excluded: it only waits); rss_each_mb lists every one.
 * - csv_identical: the CSVs written by run and workers (with the same conversations setting), byte for
 *   byte.
 * The log also shows each contender's requests per 5 s, as a multiple of the limiter's rate, from
 * the first request on: where a run loses time (start, ramp, dips, tail) is visible there.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix, QUEUE_NAME } from '../../../jobs/job-types.js';
import { EVENTS_PER_PAGE_MAX, LISTABLE_EVENT_AGE_SEC, SEARCH_PER_PAGE_MAX, startSandbox, type SandboxVariant } from '../../../src/sandbox/index.js';
import type { Sandbox } from '../../../src/sandbox/types.js';
import { conversationColumns, minimumCalls, type MinimumCalls } from '../../support/bench-month-minimum.js';
import { monthAfter, monthStartSec } from '../../support/e2e-reference.js';
import { NAIVE_MARKER, type NaiveResult } from '../../support/bench-month-naive.js';
import {
  sampleProcUsage,
  spawnBenchProcess,
  stopBenchProcess,
  tail,
  usageOf,
  waitForExit,
  waitForOutput,
  type BenchProcess,
} from '../../support/bench-month-spawn.js';
import type { ProcessUsage } from '../../support/bench-month-usage.js';
import { watchConversationCalls } from '../../support/bench-watch-conversations.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SEED = 1;
const ALLOWANCE_PER_WINDOW = 3_300;
const WINDOW_SECONDS = 10;
const SHARE = 0.9;
const WORKERS = 4;
const WORKER_CONCURRENCY = 8;
const NAIVE_GIVE_UP_FACTOR = 3;
const CLI = 'src/cli/main.ts';
const QUIET_BUSY = 0.15;
const QUIET_WAIT_MS = 300_000;
/** The reports' zone (REPORT_TIMEZONE): W(M) is M in it. */
const REPORT_ZONE = 'UTC';

export interface Workload {
  contacts: number;
  month: string;
  /** Start of M-1 in UTC, the earliest second the run needs events from. */
  fetchFromSec: number;
  nowSec: number;
  workDir: string;
  redisUrl: string;
}

/** CLI arguments that turn conversations off (a config file written into `work.workDir`). */
async function conversationsOffArgs(work: Workload): Promise<string[]> {
  const path = join(work.workDir, 'conversations-off.json');
  await writeFile(path, JSON.stringify({ report: { conversations: false } }));
  return ['--config', path];
}

/** The last complete UTC month before `nowMs`, and the first second of the month before it. */
export function monthBefore(nowMs: number): { month: string; fetchFromSec: number } {
  const now = new Date(nowMs);
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const month = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, fetchFromSec: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1) / 1000 };
}

const limiterRatePerSec = ALLOWANCE_PER_WINDOW * SHARE / WINDOW_SECONDS;
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
const cpuSecondsOf = (u: ProcessUsage | null): number => (u === null ? 0 : (u.cpuUserUs + u.cpuSystemUs) / 1e6);

/** Samples the sandbox's request counter every 10 ms: when requests started, stopped, and how fast. */
function watchRequests(sandbox: Sandbox): { stop(): { firstMs: number | null; lastMs: number | null; samples: Array<[number, number]> } } {
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  let seen = 0;
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => {
    const n = sandbox.counters.requests;
    if (n === seen) return;
    const t = Date.now();
    firstMs ??= t;
    lastMs = t;
    seen = n;
    samples.push([t, n]);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return { firstMs, lastMs, samples };
    },
  };
}

/** Requests in each `bucketMs` slice from the first request on, as multiples of what the limiter allows. */
function timeline(samples: Array<[number, number]>, bucketMs: number): string {
  const first = samples[0];
  if (!first) return '';
  const counts: number[] = [];
  let previous = first[1] - 1;
  for (const [t, n] of samples) {
    const i = Math.floor((t - first[0]) / bucketMs);
    while (counts.length <= i) counts.push(0);
    counts[i]! += n - previous;
    previous = n;
  }
  return counts.map((c) => (c / ((limiterRatePerSec * bucketMs) / 1000)).toFixed(2)).join(' ');
}

/** Requests per second between the times the counter passed 10% and 90% of its final value. */
function midRate(samples: Array<[number, number]>): number | null {
  const total = samples[samples.length - 1]?.[1] ?? 0;
  const at = (share: number): [number, number] | undefined => samples.find(([, n]) => n >= total * share);
  const lo = at(0.1);
  const hi = at(0.9);
  if (!lo || !hi || hi[0] <= lo[0]) return null;
  return ((hi[1] - lo[1]) * 1000) / (hi[0] - lo[0]);
}

/** CPU seconds every process of the machine has used since boot, steal included (/proc/stat; 0 elsewhere). */
async function machineCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const fields = (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait, in USER_HZ (100/s).
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (fields[i] ?? 0), 0);
  return busy / 100;
}

/** Share of the cores busy over the next `sampleMs`, outside this process (Redis and strangers). */
async function busyElsewhere(sampleMs: number): Promise<number> {
  const machine0 = await machineCpuSeconds();
  const own0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, sampleMs));
  const own = process.cpuUsage(own0);
  const machine = (await machineCpuSeconds()) - machine0;
  return Math.max(0, machine - (own.user + own.system) / 1e6) / ((sampleMs / 1000) * availableParallelism());
}

/**
 * On a shared machine another job's CPU would be charged to the contender's wall time: wait (up to
 * QUIET_WAIT_MS) until less than QUIET_BUSY of the cores is busy elsewhere, then go on regardless.
 */
async function waitForQuietMachine(ctx: BenchContext, label: string): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  for (;;) {
    const busy = await busyElsewhere(2_000);
    if (busy < QUIET_BUSY) return;
    if (Date.now() > deadline) {
      ctx.log(`month: ${label}: the machine is still ${(busy * 100).toFixed(0)}% busy elsewhere; measuring anyway`);
      return;
    }
    ctx.log(`month: ${label}: the machine is ${(busy * 100).toFixed(0)}% busy elsewhere; waiting for it to quieten`);
  }
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function csvFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.csv')) continue;
    const path = join(e.parentPath, e.name);
    out.set(relative(dir, path), await readFile(path));
  }
  return out;
}

/** True when both folders hold the same CSV files (by relative path) with the same bytes, and some. */
async function sameCsvs(a: string, b: string): Promise<{ identical: boolean; files: number; differing: string[] }> {
  const [fa, fb] = await Promise.all([csvFiles(a), csvFiles(b)]);
  const names = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const differing = names.filter((n) => {
    const x = fa.get(n);
    const y = fb.get(n);
    return x === undefined || y === undefined || !x.equals(y);
  });
  return { identical: names.length > 0 && differing.length === 0, files: names.length, differing };
}

export interface ContenderOutcome {
  status: string;
  /** When the contender's work was done (ms since the epoch), or null when it did not finish. */
  doneAtMs: number | null;
  startedAtMs: number;
  /** Peak RSS per process, kB. */
  rssKb: number[];
  clientCpuSeconds: number;
  outDir: string | null;
  extra?: Record<string, string | number | boolean | null>;
}

/** What a contender runs against, and `markStart` to call right before it starts (CPU baselines). */
export interface Arena {
  sandbox: Sandbox;
  lowerBoundS: number;
  redis: Redis;
  markStart(): Promise<void>;
}

export interface Measured {
  row: BenchRow;
  outDir: string | null;
}

/**
 * How the sandbox answers GET /events, and what the fewest calls are under it: the page size a client
 * asking for 150 (stepping down on a 400) is served, and the refused asks that cost once per run.
 */
export interface EventsRegime {
  variant: SandboxVariant;
  servedPerPage: number;
  refusedCalls: number;
}

/** The sandbox's defaults: per_page 150 is served as asked. */
const DEFAULT_REGIME: EventsRegime = { variant: {}, servedPerPage: EVENTS_PER_PAGE_MAX, refusedCalls: 0 };

/**
 * Starts a fresh sandbox, runs one contender against it and turns what happened into a row.
 * `conversations`: whether the contender lists the month's conversations (the run's default), which
 * the minimum and the bound then count.
 */
export async function measure(
  ctx: BenchContext,
  work: Workload,
  contender: string,
  run: (arena: Arena) => Promise<ContenderOutcome>,
  regime: EventsRegime = DEFAULT_REGIME,
  { conversations = true }: { conversations?: boolean } = {},
): Promise<Measured> {
  const sandbox = await startSandbox({
    ...regime.variant,
    contacts: work.contacts,
    seed: SEED,
    nowSec: work.nowSec,
    rateLimit: { allowancePerWindow: ALLOWANCE_PER_WINDOW, windowSeconds: WINDOW_SECONDS },
  });
  const redis = new Redis(work.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  try {
    await redis.connect();
    await waitForQuietMachine(ctx, contender);
    const minimumAt = (nowMs: number): MinimumCalls => {
      const pages = minimumCalls(sandbox.workspace, {
        fetchFromSec: work.fetchFromSec,
        cutoffMs: nowMs - LISTABLE_EVENT_AGE_SEC * 1000,
        eventsPerPage: regime.servedPerPage,
        searchPerPage: SEARCH_PER_PAGE_MAX,
        conversations: conversations ? { months: [work.month], timeZone: REPORT_ZONE } : null,
      });
      return { ...pages, total: pages.total + regime.refusedCalls, eventsPages: pages.eventsPages + regime.refusedCalls };
    };
    const startMs = Date.now();
    const minimum = minimumAt(startMs);
    const lowerBoundS = minimum.total / limiterRatePerSec;
    ctx.log(
      `month: ${contender}: ${work.contacts} contacts, month ${work.month}, minimum ${minimum.total} calls ` +
        `(${minimum.searchPages} search pages, ${minimum.eventsPages} events pages for ${minimum.uniqueContacts} contacts, ` +
        `${minimum.conversationCalls} conversations searches${conversations ? `: 1 probe + ${minimum.conversationMonths.map((m) => `${m.pages} pages for ${m.inWindow} conversations in ${m.month} ± ${minimum.conversationPaddingDays} days`).join(', ')}` : ''}), ` +
        `lower bound ${lowerBoundS.toFixed(1)} s`,
    );

    const watch = watchRequests(sandbox);
    const conversationWatch = watchConversationCalls(sandbox);
    let baseline = { sandbox: process.cpuUsage(), redis: 0, machine: 0 };
    const markStart = async (): Promise<void> => {
      baseline = { sandbox: process.cpuUsage(), redis: await redisCpuSeconds(redis), machine: await machineCpuSeconds() };
    };
    await markStart();
    const outcome = await run({ sandbox, lowerBoundS, redis, markStart });
    const machineCpu = (await machineCpuSeconds()) - baseline.machine;
    const sandboxCpu = process.cpuUsage(baseline.sandbox);
    const redisCpu = (await redisCpuSeconds(redis)) - baseline.redis;
    const seen = watch.stop();
    const conversationTiming = conversationWatch.stop();

    // The cutoff moves with the clock during the run; a changed minimum is reported, not hidden.
    const minimumAtEnd = minimumAt(Date.now()).total;
    if (minimumAtEnd !== minimum.total) ctx.log(`month: ${contender}: minimum at the end of the run is ${minimumAtEnd} (cutoff moved)`);

    const calls = sandbox.counters.requests;
    const wallS = outcome.doneAtMs === null ? null : (outcome.doneAtMs - outcome.startedAtMs) / 1000;
    const elapsedS = ((outcome.doneAtMs ?? Date.now()) - outcome.startedAtMs) / 1000;
    const sandboxCpuS = (sandboxCpu.user + sandboxCpu.system) / 1e6;
    const ownCpuS = sandboxCpuS + outcome.clientCpuSeconds + redisCpu;
    // From the contender's start (markStart, a moment before it) to the end of the measure.
    const measuredS = (Date.now() - outcome.startedAtMs) / 1000;
    const otherBusy = Math.max(0, machineCpu - ownCpuS) / (measuredS * availableParallelism());
    if (otherBusy > 0.25) ctx.log(`month: ${contender}: WARNING ${(otherBusy * 100).toFixed(0)}% of the cores were busy outside the benchmark's processes`);
    const rate = midRate(seen.samples);
    if (outcome.doneAtMs !== null && calls < minimum.total) {
      ctx.log(`month: ${contender}: WARNING ${calls} calls is below the computed minimum ${minimum.total}: the minimum is wrong`);
    }
    // Where calls beyond the minimum went: contacts whose events were read with more pages than needed.
    let overContacts = 0;
    let overPages = 0;
    for (const [id, needed] of minimum.eventsPagesByContact) {
      const made = sandbox.counters.eventsCallsByContact.get(id) ?? 0;
      if (made > needed) {
        overContacts += 1;
        overPages += made - needed;
      }
    }
    ctx.log(`month: ${contender}: requests per 5 s from the first one, ÷ the limiter's rate: ${timeline(seen.samples, 5_000)}`);
    ctx.log(
      `month: ${contender}: ${calls} requests (${sandbox.counters.byEndpoint['contacts.search']} search, ` +
        `${sandbox.counters.byEndpoint.events} events, ${sandbox.counters.byEndpoint['conversations.search']} conversations search, ` +
        `${sandbox.counters.responses429} answered 429); ` +
        `${overContacts} contacts read with ${overPages} events pages more than they needed`,
    );
    const row: BenchRow = {
      scenario: 'month',
      contender,
      status: outcome.status,
      contacts: work.contacts,
      month: work.month,
      allowance_per_window: ALLOWANCE_PER_WINDOW,
      window_s: WINDOW_SECONDS,
      share: SHARE,
      wall_s: wallS === null ? null : round(wallS, 2),
      lower_bound_s: round(lowerBoundS, 2),
      wall_ratio: wallS === null ? null : round(wallS / lowerBoundS),
      api_calls: calls,
      min_calls: minimum.total,
      calls_ratio: round(calls / minimum.total, 4),
      extra_search_calls: sandbox.counters.byEndpoint['contacts.search'] - minimum.searchPages,
      extra_events_calls: sandbox.counters.byEndpoint.events - minimum.eventsPages,
      ...conversationColumns(minimum, sandbox.counters.byEndpoint['conversations.search']),
      responses_429: sandbox.counters.responses429,
      peak_rss_mb: outcome.rssKb.length === 0 ? null : round(Math.max(...outcome.rssKb) / 1024, 1),
      rss_each_mb: outcome.rssKb.map((kb) => (kb / 1024).toFixed(0)).join('/'),
      processes: outcome.rssKb.length,
      csv_identical: null,
      startup_s: seen.firstMs === null ? null : round((seen.firstMs - outcome.startedAtMs) / 1000, 2),
      api_span_s: seen.firstMs === null || seen.lastMs === null ? null : round((seen.lastMs - seen.firstMs) / 1000, 2),
      finish_s: seen.lastMs === null || outcome.doneAtMs === null ? null : round((outcome.doneAtMs - seen.lastMs) / 1000, 2),
      mid_rate_ratio: rate === null ? null : round(rate / limiterRatePerSec),
      ...conversationTiming,
      cpu_busy: round(ownCpuS / (elapsedS * availableParallelism())),
      other_cpu_busy: round(otherBusy),
      sandbox_cpu_s: round(sandboxCpuS, 1),
      client_cpu_s: round(outcome.clientCpuSeconds, 1),
      redis_cpu_s: round(redisCpu, 1),
      ...outcome.extra,
    };
    return { row, outDir: outcome.outDir };
  } finally {
    redis.disconnect();
    await sandbox.close();
  }
}

function cliEnv(sandbox: Sandbox, outDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    INTERCOM_BASE_URL: sandbox.url,
    INTERCOM_TOKEN: sandbox.token,
    RATE_LIMIT_ALLOWANCE: String(ALLOWANCE_PER_WINDOW),
    RATE_LIMIT_SHARE: String(SHARE),
    COHORT_REPORTS_OUT: outDir,
    REPORT_TIMEZONE: 'UTC',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** How long a project contender may take before it is stopped and reported as not finished. */
const projectTimeoutMs = (lowerBoundS: number): number => Math.max(120_000, lowerBoundS * 5_000);

/** `cohort-reports run` as one process, into WORKDIR/<outName>, with `args` added to the command line. */
export async function runSingleProcess(
  work: Workload,
  { sandbox, lowerBoundS, markStart }: Arena,
  options: { outName?: string; args?: string[] } = {},
): Promise<ContenderOutcome> {
  const outDir = join(work.workDir, options.outName ?? 'run');
  await markStart();
  const p = spawnBenchProcess('run', CLI, ['run', '--month', work.month, ...(options.args ?? [])], cliEnv(sandbox, outDir));
  const finished = await waitForExit(p, projectTimeoutMs(lowerBoundS));
  if (!finished) await stopBenchProcess(p, 'SIGTERM', 10_000);
  const exit = await p.exited;
  const usage = usageOf(p);
  const ok = finished && exit.code === 0;
  if (!ok) process.stderr.write(`month: run did not finish cleanly:\n${tail(p)}\n`);
  return {
    status: ok ? 'finished' : finished ? `failed (exit ${exit.code ?? exit.signal})` : 'did not finish',
    doneAtMs: ok ? exit.atMs : null,
    startedAtMs: p.startedAtMs,
    rssKb: usage === null ? [] : [usage.maxRssKb],
    clientCpuSeconds: cpuSecondsOf(usage),
    outDir: ok ? outDir : null,
  };
}

/** 4 workers and `enqueue --wait`, into WORKDIR/<outName>, with `args` added to every command line. */
async function runWorkers(
  work: Workload,
  { sandbox, lowerBoundS, redis, markStart }: Arena,
  options: { outName?: string; args?: string[] } = {},
): Promise<ContenderOutcome> {
  const outDir = join(work.workDir, options.outName ?? 'workers');
  const args = options.args ?? [];
  const prefix = `bench-month-${randomUUID()}`;
  const env = cliEnv(sandbox, outDir, { REDIS_URL: work.redisUrl, COHORT_REPORTS_PREFIX: prefix });
  const workers: BenchProcess[] = [];
  let enqueue: BenchProcess | null = null;
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: bullPrefix(prefix) });
  try {
    for (let i = 0; i < WORKERS; i += 1) {
      workers.push(spawnBenchProcess(`worker ${i + 1}`, CLI, ['worker', '--concurrency', String(WORKER_CONCURRENCY), ...args], env));
    }
    await Promise.all(workers.map((w) => waitForOutput(w, '"worker started"', 60_000)));
    // Start-up CPU is not part of the run: counted from here.
    const cpuAtStart = workers.map((w) => cpuSecondsOf(w.child.pid === undefined ? null : sampleProcUsage(w.child.pid)));
    await markStart();
    enqueue = spawnBenchProcess('enqueue', CLI, ['enqueue', '--month', work.month, '--wait', ...args], env);
    const finished = await waitForExit(enqueue, projectTimeoutMs(lowerBoundS));
    if (!finished) await stopBenchProcess(enqueue, 'SIGTERM', 10_000);
    const exit = await enqueue.exited;
    const jobId = /\(job ([^)\s]+)\)/.exec(enqueue.stdout())?.[1];
    const job = jobId === undefined ? undefined : await queue.getJob(jobId);
    const ok = finished && exit.code === 0 && typeof job?.finishedOn === 'number';
    if (!ok) process.stderr.write(`month: workers run did not finish cleanly:\n${tail(enqueue)}\n${workers.map((w) => tail(w, 1500)).join('\n')}\n`);

    await Promise.all(workers.map((w) => stopBenchProcess(w, 'SIGTERM', 40_000)));
    const usages = workers.map((w) => usageOf(w));
    const enqueueUsage = usageOf(enqueue);
    const workerCpu = usages.reduce((sum, u, i) => sum + cpuSecondsOf(u) - (cpuAtStart[i] ?? 0), 0);
    return {
      status: ok ? 'finished' : finished ? `failed (exit ${exit.code ?? exit.signal})` : 'did not finish',
      doneAtMs: ok ? job!.finishedOn! : null,
      startedAtMs: enqueue.startedAtMs,
      rssKb: usages.flatMap((u) => (u === null ? [] : [u.maxRssKb])),
      clientCpuSeconds: workerCpu + cpuSecondsOf(enqueueUsage),
      outDir: ok ? outDir : null,
      extra: { enqueue_rss_mb: enqueueUsage === null ? null : round(enqueueUsage.maxRssKb / 1024, 1) },
    };
  } finally {
    await Promise.all(workers.map((w) => stopBenchProcess(w, 'SIGKILL', 5_000)));
    if (enqueue !== null) await stopBenchProcess(enqueue, 'SIGKILL', 5_000);
    await queue.close();
    await deleteKeys(redis, prefix);
  }
}

async function runNaive(work: Workload, { sandbox, lowerBoundS, markStart }: Arena): Promise<ContenderOutcome> {
  const giveUpMs = lowerBoundS * NAIVE_GIVE_UP_FACTOR * 1000;
  await markStart();
  const p = spawnBenchProcess('naive', 'test/support/bench-month-naive.ts', [], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BENCH_MONTH_NAIVE: '1',
    BENCH_BASE_URL: sandbox.url,
    BENCH_TOKEN: sandbox.token,
    BENCH_DEADLINE_MS: String(Date.now() + giveUpMs),
    BENCH_CONVERSATIONS_FROM_SEC: String(monthStartSec(work.month, REPORT_ZONE)),
    BENCH_CONVERSATIONS_TO_SEC: String(monthStartSec(monthAfter(work.month), REPORT_ZONE)),
  });
  const exited = await waitForExit(p, giveUpMs + 30_000);
  if (!exited) await stopBenchProcess(p, 'SIGKILL', 5_000);
  const exit = await p.exited;
  const line = p.stdout().split('\n').find((l) => l.startsWith(NAIVE_MARKER));
  const result = line === undefined ? null : (JSON.parse(line.slice(NAIVE_MARKER.length)) as NaiveResult);
  const usage = usageOf(p);
  if (result === null || result.error !== null) process.stderr.write(`month: naive client failed:\n${tail(p)}\n`);
  return {
    status: result?.finished === true ? 'finished' : result?.error ? `failed (${result.error})` : `did not finish (gave up at ${NAIVE_GIVE_UP_FACTOR}× the lower bound)`,
    doneAtMs: result?.finished === true ? exit.atMs : null,
    startedAtMs: p.startedAtMs,
    rssKb: usage === null ? [] : [usage.maxRssKb],
    clientCpuSeconds: cpuSecondsOf(usage),
    outDir: null,
    extra: {
      naive_memberships: result?.memberships ?? null,
      naive_conversation_pages: result?.conversationPages ?? null,
      naive_slept_s: result === null ? null : round(result.sleptMs / 1000, 1),
    },
  };
}

export default async function month(ctx: BenchContext): Promise<BenchRow[]> {
  const nowMs = Date.now();
  const { month: reportMonth, fetchFromSec } = monthBefore(nowMs);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-month-'));
  const work: Workload = {
    contacts: ctx.quick ? 2_000 : 20_000,
    month: reportMonth,
    fetchFromSec,
    nowSec: Math.floor(nowMs / 1000),
    workDir,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  try {
    const off = await conversationsOffArgs(work);
    const single = await measure(ctx, work, 'run', (arena) => runSingleProcess(work, arena));
    const singleOff = await measure(ctx, work, 'run, conversations off', (arena) => runSingleProcess(work, arena, { outName: 'run-off', args: off }), DEFAULT_REGIME, {
      conversations: false,
    });
    const distributed = await measure(ctx, work, `workers x${WORKERS}`, (arena) => runWorkers(work, arena));
    const distributedOff = await measure(
      ctx,
      work,
      `workers x${WORKERS}, conversations off`,
      (arena) => runWorkers(work, arena, { outName: 'workers-off', args: off }),
      DEFAULT_REGIME,
      { conversations: false },
    );
    const naive = await measure(ctx, work, 'naive', (arena) => runNaive(work, arena));
    for (const [a, b] of [[single, distributed], [singleOff, distributedOff]] as const) {
      if (a.outDir === null || b.outDir === null) continue;
      const same = await sameCsvs(a.outDir, b.outDir);
      a.row.csv_identical = same.identical;
      b.row.csv_identical = same.identical;
      ctx.log(`month: ${a.row.contender} / ${b.row.contender}: ${same.files} CSV files compared; ${same.differing.length === 0 ? 'all identical' : `differing: ${same.differing.join(', ')}`}`);
    }
    return [single.row, singleOff.row, distributed.row, distributedOff.row, naive.row];
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
