/**
 * load — a month run over a 100,000-contact sandbox workspace by 4 `cohort-reports worker` processes
 * (concurrency 8 each) sharing one Redis: a redis-server started for this run alone, on a free
 * loopback port with no persistence and `maxmemory-policy noeviction` (as production), so its
 * memory peak is this run's and nobody else's. --quick: 10,000 contacts.
 *
 * The allowance (6,000 requests per 10-second fixed window, share 0.9: 540 requests/s) is chosen so
 * the rate limit, not the two cores, should set the pace: the sandbox serves ~2,700 requests/s on
 * loopback when it has a core to itself, and here it shares two with four workers and Redis.
 * cpu_busy and mid_rate_ratio say which one bound.
 *
 * Figures:
 * - responses_429: 429s the sandbox sent (its counters); the target is 0.
 * - min_calls: the fewest calls the run can make, from the workspace's ground truth
 *   (test/support/bench-month-minimum.ts; conversations on, as the run's default: the access probe
 *   and the month's conversation pages counted); api_calls: what the sandbox received.
 * - lower_bound_s = min_calls / (allowance × share / window); wall_s: from the run job being queued
 *   to its reports being written (BullMQ timestamp → finishedOn); wall_ratio = wall_s / lower_bound_s.
 * - busiest_window: the most requests one server window received ÷ the allowance (≤ share expected).
 * - mid_rate_ratio: requests/s between the 10th and 90th percentile of the run's requests ÷ the
 *   limiter's rate (≈ 1: the limiter binds; well below with cpu_busy ≈ 1: the cores bind).
 * - redis_peak_mb: INFO used_memory_peak at the end (the server is new: this run's peak, baseline
 *   included); redis_sampled_peak_mb: the largest used_memory of samples every 500 ms;
 *   redis_baseline_mb before the run, redis_end_mb after it; redis_peak_rss_mb: used_memory_rss peak
 *   sampled; redis_bytes_per_contact = (sampled peak − baseline) / listed contacts.
 * - worker_peak_rss_mb (the largest of the four), cpu_busy (machine CPU over wall × cores, /proc/stat),
 *   contacts_ok: the manifest's unique_contacts equals the contacts the workspace lists.
 * The run itself: test/support/bench-distributed-run.ts (shared with the scale scenario).
 */
import { LISTABLE_EVENT_AGE_SEC, EVENTS_PER_PAGE_MAX, SEARCH_PER_PAGE_MAX, startSandbox } from '../../../src/sandbox/index.js';
import { lastMonth, runDistributed } from '../../support/bench-distributed-run.js';
import { minimumCalls } from '../../support/bench-month-minimum.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SEED = 1;
const ALLOWANCE_PER_WINDOW = 6_000;
const WINDOW_SECONDS = 10;
const SHARE = 0.9;
const WORKERS = 4;
const WORKER_CONCURRENCY = 8;

export default async function load(ctx: BenchContext): Promise<BenchRow[]> {
  const contacts = ctx.quick ? 10_000 : 100_000;
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  const { month, fetchFromSec } = lastMonth(nowMs);
  ctx.log(`load: generating ${contacts} contacts`);
  const sandbox = await startSandbox({ contacts, seed: SEED, nowSec, rateLimit: { allowancePerWindow: ALLOWANCE_PER_WINDOW, windowSeconds: WINDOW_SECONDS } });
  try {
    const minimum = minimumCalls(sandbox.workspace, {
      fetchFromSec,
      cutoffMs: nowMs - LISTABLE_EVENT_AGE_SEC * 1000,
      // The client asks for 150 events per page, the most the sandbox serves.
      eventsPerPage: EVENTS_PER_PAGE_MAX,
      searchPerPage: SEARCH_PER_PAGE_MAX,
      // report.conversations is on by default; the workers report in UTC (REPORT_TIMEZONE).
      conversations: { months: [month], timeZone: 'UTC' },
    });
    ctx.log(`load: month ${month}, minimum ${minimum.total} calls for ${minimum.uniqueContacts} listed contacts`);
    const row = await runDistributed(ctx, {
      label: 'load',
      sandbox,
      month,
      allowancePerWindow: ALLOWANCE_PER_WINDOW,
      windowSeconds: WINDOW_SECONDS,
      share: SHARE,
      workers: WORKERS,
      concurrency: WORKER_CONCURRENCY,
      minimum,
    });
    return [{ ...row, contacts }];
  } finally {
    await sandbox.close();
  }
}
