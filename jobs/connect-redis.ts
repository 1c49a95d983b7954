/**
 * The Redis connections of the jobs commands. BullMQ's own connection needs maxRetriesPerRequest: null
 * (blocking commands; a Worker refuses anything else); the store/claims/limiter connection gets a
 * command timeout instead, so no await on Redis waits forever. Producers fail fast when Redis is down.
 *
 * Every connection has an 'error' listener: ioredis prints a stack trace per reconnect attempt for an
 * unheard error, which is how a Redis outage used to flood the terminal. Failures surface instead as
 * rejected commands, `waitForRedis` and `watchRedis`.
 */
import { Redis } from 'ioredis';
import { redactUrl } from '../src/shared/redact-url.js';

const CONNECT_TIMEOUT_MS = 10_000;

export type RedisRole = 'bullmq-worker' | 'bullmq-producer' | 'commands';

/** Redis could not be reached (exit code 1: infrastructure, not the user's command line). */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  readonly exitCode = 1;
  constructor(url: string, detail: string) {
    // Every credential form masked (user:pass@, ?password=, ?username=…&password=…): see redact-url.ts.
    super(`cannot reach Redis at ${redactUrl(url)} (${detail}): start Redis, or point REDIS_URL (redis.url) at a running one`);
    this.name = 'RedisUnavailableError';
  }
}

/** Each connection's latest error, for the one line that reports it. */
const lastErrors = new WeakMap<Redis, Error>();

export function connectRedis(url: string, role: RedisRole): Redis {
  const common = { connectTimeout: CONNECT_TIMEOUT_MS, connectionName: `cohort-reports-${role}` };
  let redis: Redis;
  switch (role) {
    case 'bullmq-worker':
      redis = new Redis(url, { ...common, maxRetriesPerRequest: null });
      break;
    case 'bullmq-producer':
      redis = new Redis(url, { ...common, maxRetriesPerRequest: 1, commandTimeout: 10_000, retryStrategy: (n) => (n > 3 ? null : 200 * n) });
      break;
    case 'commands':
      redis = new Redis(url, { ...common, maxRetriesPerRequest: 3, commandTimeout: 10_000 });
      break;
  }
  redis.on('error', (err: Error) => {
    lastErrors.set(redis, err);
  });
  return redis;
}

function describe(redis: Redis, fallback: string): string {
  const err = lastErrors.get(redis) as (Error & { code?: string }) | undefined;
  return err ? (err.code ?? err.message) : fallback;
}

/**
 * Resolves once the connection is ready; rejects with RedisUnavailableError after `timeoutMs` (or as
 * soon as ioredis gives up reconnecting), so a command never hangs on a Redis that is down.
 */
export async function waitForRedis(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new RedisUnavailableError(url, describe(redis, 'connection closed')));
    const timer = setTimeout(() => done(new RedisUnavailableError(url, `${describe(redis, 'no answer')}, gave up after ${timeoutMs} ms`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

/**
 * Calls `onLost` once when any of the connections has not been ready for longer than `graceMs`: a
 * worker cut off from Redis can do nothing useful, and exiting lets its supervisor restart it (and say
 * so) instead of it retrying silently forever. Returns a function that stops watching.
 */
export function watchRedis(connections: Redis[], url: string, graceMs: number, onLost: (err: RedisUnavailableError) => void): () => void {
  const downSince = new Map<Redis, number>();
  let fired = false;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const c of connections) {
      if (c.status === 'ready') {
        downSince.delete(c);
        continue;
      }
      const since = downSince.get(c) ?? now;
      downSince.set(c, since);
      if (!fired && now - since > graceMs) {
        fired = true;
        clearInterval(timer);
        onLost(new RedisUnavailableError(url, `${describe(c, 'connection lost')} for more than ${graceMs} ms`));
        return;
      }
    }
  }, Math.min(1000, Math.max(50, Math.floor(graceMs / 4))));
  timer.unref();
  return () => clearInterval(timer);
}
