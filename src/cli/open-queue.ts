import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { connectRedis, waitForRedis } from '../../jobs/connect-redis.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { withTimeout } from '../shared/with-timeout.js';

/** How long a short-lived command waits for Redis (connect timeout and ioredis' bounded retries) before exit 1. */
export const REDIS_READY_TIMEOUT_MS = 5_000;

export interface QueueHandle {
  queue: Queue;
  /** The store/progress connection (command timeouts, no blocking commands). */
  redis: Redis;
  close(): Promise<void>;
}

/**
 * A queue handle for the short-lived commands (schedule, enqueue, status), once Redis has answered:
 * Redis down ends the command with one line and exit 1 within REDIS_READY_TIMEOUT_MS.
 */
export async function openQueue(config: Readonly<Config>): Promise<QueueHandle> {
  const bull = connectRedis(config.redis.url, 'bullmq-producer');
  const redis = connectRedis(config.redis.url, 'commands');
  const queue = new Queue(QUEUE_NAME, { connection: bull, prefix: bullPrefix(config.redis.prefix) });
  queue.on('error', () => {
    // Reported through the failed command (or waitForRedis) instead.
  });
  const close = async (): Promise<void> => {
    // A queue on a dead connection can take long to close: never more than a second.
    await withTimeout(queue.close().catch(() => {}), 1_000, () => {});
    bull.disconnect();
    redis.disconnect();
  };
  try {
    await Promise.all([waitForRedis(bull, config.redis.url, REDIS_READY_TIMEOUT_MS), waitForRedis(redis, config.redis.url, REDIS_READY_TIMEOUT_MS)]);
  } catch (err) {
    await close();
    throw err;
  }
  return { queue, redis, close };
}
