/**
 * ratelimit — how much of a fixed allowance each pacer uses, and how many 429s it draws, with 1, 4 and
 * 8 OS processes calling the sandbox (GET /tags through the real Intercom client, 4 calls in flight
 * per process) for at least 6 server windows of 10 s:
 *
 * - redis:  the shared Redis token bucket (src/rate-limit), share 0.9;
 * - bullmq: one BullMQ Worker per process, paced by BullMQ's queue-wide `limiter`
 *           ({ max: share · allowance, duration: window }), one call per job;
 * - none:   no pacing: the client's own 429 handling only (wait until X-RateLimit-Reset, with jitter).
 *
 * Each run starts half-way through a server window (a job does not start on the server's edge) and
 * ends on an edge; the figures cover the whole server windows in between, from the sandbox's counters:
 * utilization = requests answered without a 429 / (windows · allowance); busiest_window = the most
 * requests (refused ones included) one server window received / allowance; 429s over the whole run.
 * busiest_second (sends in the busiest 1-second interval / allowance, from the processes' own
 * clocks) shows how bursty the pacing is. Target for redis: utilization >= 0.95 · share, no 429.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startSandbox } from '../../../src/sandbox/index.js';
import type { Sandbox } from '../../../src/sandbox/types.js';
import type { Pacer } from '../../support/rate-limit-child.js';
import { nextWindowStartMs, runRateLimitChildren } from '../../support/rate-limit-run-children.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SHARE = 0.9;
const CONCURRENCY = 4;

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** The most timestamps within any interval [t, t + intervalMs). */
function busiestInterval(timesMs: number[], intervalMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= intervalMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

async function measure(
  sandbox: Sandbox,
  redisUrl: string,
  plan: { pacer: Pacer; processes: number; allowance: number; windowSeconds: number; windows: number },
): Promise<BenchRow> {
  const windowMs = plan.windowSeconds * 1000;
  const keyPrefix = `bench-ratelimit-${randomUUID()}`;
  const queueName = `calls-${randomUUID()}`;
  const settings = { allowancePerWindow: plan.allowance, windowSeconds: plan.windowSeconds, share: SHARE };
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let queue: Queue | null = null;
  try {
    if (plan.pacer === 'bullmq') {
      queue = new Queue(queueName, { connection: admin, prefix: keyPrefix });
      const jobs = Math.ceil(plan.allowance * plan.windows * 1.5);
      for (let i = 0; i < jobs; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, jobs - i) }, () => ({ name: 'call', data: {}, opts: { removeOnComplete: true, removeOnFail: true } }));
        await queue.addBulk(batch);
      }
    }
    sandbox.setRateLimit({ allowancePerWindow: plan.allowance, windowSeconds: plan.windowSeconds });
    const { startAtMs, results } = await runRateLimitChildren(
      {
        pacer: plan.pacer,
        redisUrl,
        keyPrefix,
        settings,
        baseUrl: sandbox.url,
        concurrency: CONCURRENCY,
        durationMs: (plan.windows + 0.5) * windowMs,
        queueName,
      },
      {
        processes: plan.processes,
        token: sandbox.token,
        startAtMs: (nowMs) => nextWindowStartMs(nowMs, windowMs) + windowMs / 2,
        onStart: () => sandbox.resetCounters(),
      },
    );
    const firstSec = (startAtMs + windowMs / 2) / 1000;
    let requests = 0;
    let busiest = 0;
    for (const [windowStartSec, count] of sandbox.counters.requestsByWindow) {
      if (windowStartSec < firstSec || windowStartSec >= firstSec + plan.windows * plan.windowSeconds) continue;
      requests += count;
      busiest = Math.max(busiest, count);
    }
    const utilization = (requests - sandbox.counters.responses429) / (plan.windows * plan.allowance);
    return {
      scenario: 'ratelimit',
      pacer: plan.pacer,
      processes: plan.processes,
      utilization: Number(utilization.toFixed(4)),
      responses_429: sandbox.counters.responses429,
      share: SHARE,
      of_share: Number((utilization / SHARE).toFixed(4)),
      busiest_window: Number((busiest / plan.allowance).toFixed(4)),
      busiest_second: Number((busiestInterval(results.flatMap((r) => r.sentAtMs), 1000) / plan.allowance).toFixed(4)),
      allowance: plan.allowance,
      window_seconds: plan.windowSeconds,
      windows: plan.windows,
    };
  } finally {
    if (queue !== null) {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
    await deleteKeys(admin, `${keyPrefix}*`);
    admin.disconnect();
  }
}

export default async function ratelimit(ctx: BenchContext): Promise<BenchRow[]> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const allowance = ctx.quick ? 100 : 200;
  const windowSeconds = ctx.quick ? 2 : 10;
  const windows = ctx.quick ? 3 : 6;
  const processCounts = ctx.quick ? [1, 4] : [1, 4, 8];
  const pacers: Pacer[] = ['redis', 'bullmq', 'none'];
  const sandbox = await startSandbox({ contacts: 20, seed: 1, rateLimit: { allowancePerWindow: allowance, windowSeconds } });
  const rows: BenchRow[] = [];
  try {
    for (const processes of processCounts) {
      for (const pacer of pacers) {
        ctx.log(`ratelimit: ${pacer}, ${processes} process(es), ${windows} windows of ${windowSeconds} s, allowance ${allowance}`);
        rows.push(await measure(sandbox, redisUrl, { pacer, processes, allowance, windowSeconds, windows }));
      }
    }
  } finally {
    await sandbox.close();
  }
  return rows;
}
