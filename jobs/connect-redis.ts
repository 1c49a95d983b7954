/**
 * The Redis connections of the jobs commands. BullMQ's own connection needs maxRetriesPerRequest: null
 * (blocking commands; a Worker refuses anything else); the store/claims/limiter connection gets a
 * command timeout instead, so no await on Redis waits forever. Producers fail fast when Redis is down.
 */
import { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 10_000;

export type RedisRole = 'bullmq-worker' | 'bullmq-producer' | 'commands';

export function connectRedis(url: string, role: RedisRole): Redis {
  const common = { connectTimeout: CONNECT_TIMEOUT_MS, connectionName: `cohort-reports-${role}` };
  switch (role) {
    case 'bullmq-worker':
      return new Redis(url, { ...common, maxRetriesPerRequest: null });
    case 'bullmq-producer':
      return new Redis(url, { ...common, maxRetriesPerRequest: 1, commandTimeout: 10_000, retryStrategy: (n) => (n > 3 ? null : 200 * n) });
    case 'commands':
      return new Redis(url, { ...common, maxRetriesPerRequest: 3, commandTimeout: 10_000 });
  }
}
