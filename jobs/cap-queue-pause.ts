/**
 * Shortens a queue-wide pause (BullMQ's rate-limit key, set by worker.rateLimit) that outlasts the
 * maximum. Versions before MAX_PAUSE_MS passed the server's Retry-After through unbounded, so a
 * deployment may still hold a pause of a year: a worker starting up brings it within the bound,
 * otherwise no restart would ever help (the pause lives in Redis, not in a process).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MAX_PAUSE_MS } from '../src/rate-limit/max-pause.js';

/** Returns the pause left afterwards in ms (0: none). */
export async function capQueuePause(queue: Queue, redis: Redis, maxPauseMs: number = MAX_PAUSE_MS): Promise<number> {
  const bound = Math.min(maxPauseMs, MAX_PAUSE_MS);
  const key = queue.keys.limiter!;
  const leftMs = await redis.pttl(key);
  if (leftMs <= 0) return 0;
  if (leftMs <= bound) return leftMs;
  // Not atomic with the PTTL above: a pause set meanwhile is at most `bound` long, so at worst it is
  // lengthened to the bound, never beyond it.
  await redis.pexpire(key, bound);
  return bound;
}
