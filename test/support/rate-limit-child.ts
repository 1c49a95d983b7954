/**
 * One OS process of a multi-process rate-limit run (tests and the ratelimit benchmark). Run as
 * `node --import tsx rate-limit-child.ts '<ChildInput JSON>'` with the sandbox token in
 * RATE_LIMIT_CHILD_TOKEN. Prints "ready" once set up, waits for the start time (epoch ms) on stdin,
 * then calls GET /tags through the real Intercom client with `concurrency` calls in flight until
 * `durationMs` has passed, and prints one JSON ChildResult line.
 *
 * Pacers: 'redis' — the shared Redis token bucket; 'none' — no pacing (the client's own 429 handling
 * only); 'bullmq' — one BullMQ Worker per process with the queue-wide `limiter` option, each job one
 * call (jobs are added by the parent).
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { createRedisLimiter } from '../../src/rate-limit/redis-limiter.js';
import type { RateLimiter, RateLimitSettings } from '../../src/rate-limit/rate-limiter.js';

export type Pacer = 'redis' | 'none' | 'bullmq';

export interface ChildInput {
  pacer: Pacer;
  redisUrl: string;
  keyPrefix: string;
  settings: RateLimitSettings;
  baseUrl: string;
  concurrency: number;
  durationMs: number;
  /** bullmq only: the queue holding one job per call. */
  queueName?: string;
}

export interface ChildResult {
  pid: number;
  /** Local clock when each request was let go (a token granted). */
  sentAtMs: number[];
  /** Local clock when each call completed successfully. */
  completedAtMs: number[];
  /** Each 429 this process saw: when its report() to the limiter returned, and the reset it named. */
  refusals: Array<{ reportedAtMs: number; resetAtSec: number | null }>;
  /** Codes of calls that failed (e.g. after too many 429s). */
  failures: string[];
}

const unpaced: RateLimiter = { take: async () => {}, report: async () => {}, close: async () => {} };

/** Records what passes through the limiter without changing it. */
function recording(inner: RateLimiter, result: ChildResult): RateLimiter {
  return {
    async take(signal) {
      await inner.take(signal);
      result.sentAtMs.push(Date.now());
    },
    async report(feedback) {
      await inner.report(feedback);
      if (feedback.status === 429) result.refusals.push({ reportedAtMs: Date.now(), resetAtSec: feedback.resetAtSec });
    },
    close: () => inner.close(),
  };
}

async function readStartAtMs(): Promise<number> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return Number(line);
  }
  throw new Error('no start time on stdin');
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as ChildInput;
  const token = process.env.RATE_LIMIT_CHILD_TOKEN ?? '';
  const result: ChildResult = { pid: process.pid, sentAtMs: [], completedAtMs: [], refusals: [], failures: [] };
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: null });
  const inner =
    input.pacer === 'redis' ? createRedisLimiter({ redis, keyPrefix: input.keyPrefix, settings: input.settings }) : unpaced;
  const client: IntercomApi = createIntercomClient({ baseUrl: input.baseUrl, token, limiter: recording(inner, result) });
  const stop = new AbortController();

  async function call(): Promise<void> {
    try {
      await client.listTags(stop.signal);
      if (!stop.signal.aborted) result.completedAtMs.push(Date.now());
    } catch (err) {
      if (!stop.signal.aborted) result.failures.push((err as { code?: string }).code ?? (err as Error).name);
    }
  }

  let worker: Worker | null = null;
  if (input.pacer === 'bullmq') {
    worker = new Worker(input.queueName ?? '', call, {
      connection: new Redis(input.redisUrl, { maxRetriesPerRequest: null }),
      prefix: input.keyPrefix,
      concurrency: input.concurrency,
      autorun: false,
      limiter: {
        max: Math.floor(input.settings.share * input.settings.allowancePerWindow),
        duration: input.settings.windowSeconds * 1000,
      },
    });
    worker.on('error', () => {});
  }

  process.stdout.write('ready\n');
  const startAtMs = await readStartAtMs();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAtMs - Date.now())));
  const stopTimer = setTimeout(() => stop.abort(new Error('run over')), startAtMs + input.durationMs - Date.now());

  if (worker !== null) {
    void worker.run();
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    await Promise.race([worker.close(), new Promise((resolve) => setTimeout(resolve, 5000))]);
  } else {
    await Promise.all(
      Array.from({ length: input.concurrency }, async () => {
        while (!stop.signal.aborted) await call();
      }),
    );
  }
  clearTimeout(stopTimer);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await inner.close();
  await client.close();
  redis.disconnect();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`rate-limit child failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
