/**
 * Whether the deployment is paused by the API's rate limit, and until when, from where the pauses are
 * kept: BullMQ's queue-wide rate-limit key (worker.rateLimit, see map-job-error.ts) and the shared
 * limiter's pause key (src/rate-limit/lua/report-3.lua). Both expire with their pause, so their TTL is
 * the time left.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_BUCKET_NAME } from '../src/rate-limit/redis-limiter.js';
import { rateLimitKeys } from '../src/rate-limit/rate-limit-keys.js';

/** Epoch ms at which the later of the two pauses ends, or null when neither is in force. */
export async function readRateLimitPause(queue: Queue, redis: Redis, prefix: string, nowMs: number): Promise<number | null> {
  const pauseKey = rateLimitKeys(prefix, DEFAULT_BUCKET_NAME).keys[1];
  // worker.rateLimit() sets the key to MAX_SAFE_INTEGER; below that it is the worker limiter's own
  // per-second job count (start-worker.ts), which is no pause.
  const [queueLeftMs, limiterLeftMs] = await Promise.all([queue.getRateLimitTtl(Number.MAX_SAFE_INTEGER), redis.pttl(pauseKey)]);
  const leftMs = Math.max(queueLeftMs, limiterLeftMs);
  return leftMs > 0 ? nowMs + leftMs : null;
}
