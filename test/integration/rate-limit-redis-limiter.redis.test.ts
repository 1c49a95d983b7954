import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RateLimiterUnavailableError } from '../../src/rate-limit/errors.js';
import { takeScript } from '../../src/rate-limit/lua-scripts.js';
import type { RateLimiter, RateLimitSettings } from '../../src/rate-limit/rate-limiter.js';
import { createRedisLimiter } from '../../src/rate-limit/redis-limiter.js';
import { rateLimitKeys } from '../../src/rate-limit/rate-limit-keys.js';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOwnRedisServer } from '../support/faults-redis-server.js';
import { createTestRedis, deleteKeys, testPrefix } from '../support/redis.js';

const settings200: RateLimitSettings = { allowancePerWindow: 200, windowSeconds: 10, share: 0.9 };

let redis: Redis;
let prefix: string;
const opened: Array<{ limiter: RateLimiter; client?: Redis }> = [];

function limiterFor(settings: RateLimitSettings, extra: { latencyMarginMs?: number; ownClient?: boolean } = {}): RateLimiter {
  const client = extra.ownClient ? createTestRedis() : undefined;
  const limiter = createRedisLimiter({
    redis: client ?? redis,
    keyPrefix: prefix,
    bucketName: 'shared',
    settings,
    random: () => 0,
    ...(extra.latencyMarginMs === undefined ? {} : { latencyMarginMs: extra.latencyMarginMs }),
  });
  opened.push({ limiter, ...(client ? { client } : {}) });
  return limiter;
}

async function redisNowMs(): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Number(usec) / 1000;
}

const keys = () => rateLimitKeys(prefix, 'shared').keys;

beforeAll(() => {
  redis = createTestRedis();
});
afterEach(async () => {
  for (const { limiter, client } of opened.splice(0)) {
    await limiter.close();
    await client?.quit();
  }
  await deleteKeys(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

describe('createRedisLimiter', () => {
  it('keeps working after SCRIPT FLUSH by loading the script again', async () => {
    // On a redis-server of its own: on the shared one, another test file's limiter may load the same
    // script between the FLUSH and the EXISTS below.
    const dir = await mkdtemp(join(tmpdir(), 'rl-flush-'));
    const server = await startOwnRedisServer({ dir });
    const own = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      prefix = testPrefix('rl-flush');
      const limiter = createRedisLimiter({ redis: own, keyPrefix: prefix, bucketName: 'shared', settings: settings200, random: () => 0 });
      opened.push({ limiter });
      await limiter.take();
      await own.script('FLUSH');
      const sha = createHash('sha1').update(takeScript()).digest('hex');
      expect(await own.script('EXISTS', sha)).toEqual([0]);
      await limiter.take();
      expect(await own.script('EXISTS', sha)).toEqual([1]);
      expect(Number(await own.hget(keys()[0], 'tokens'))).toBeCloseTo(18.2 - 2, 0);
      await limiter.close();
      opened.splice(opened.findIndex((o) => o.limiter === limiter), 1);
    } finally {
      await own.quit();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores only the bucket state, under one hash tag, with a TTL on every key', async () => {
    prefix = testPrefix('rl-keys');
    const limiter = limiterFor(settings200);
    await limiter.take();
    await limiter.report({ status: 200, limit: 150, remaining: 10, resetAtSec: null, retryAfterSec: null });
    await limiter.report({ status: 429, limit: 150, remaining: 0, resetAtSec: null, retryAfterSec: 5 });
    const [bucketKey, pauseKey, limitKey] = keys();
    expect(Object.keys(await redis.hgetall(bucketKey)).sort()).toEqual(['tokens', 'updatedAtMs']);
    for (const key of [bucketKey, pauseKey, limitKey]) {
      expect(key).toContain('{shared}');
      expect(await redis.pttl(key), key).toBeGreaterThan(0);
    }
  });

  it('lets two configurations share one bucket without resetting it: each applies its own limits to the same tokens', async () => {
    prefix = testPrefix('rl-two-configs');
    // Capacities (see bucketShape): 2000 per 10 s → 182, 1000 per 10 s → 91; r at most 0.18/ms.
    const wide = limiterFor({ allowancePerWindow: 2000, windowSeconds: 10, share: 0.9 });
    const narrow = limiterFor({ allowancePerWindow: 1000, windowSeconds: 10, share: 0.9 });
    const startMs = await redisNowMs();
    // Alternate the two: a design that stored the settings, or re-initialised the bucket whenever they
    // differ, would hand out a full bucket (181 or 90 left) on every switch.
    for (let i = 0; i < 6; i++) {
      await wide.take();
      await narrow.take();
    }
    const elapsedMs = (await redisNowMs()) - startMs;
    const tokens = Number(await redis.hget(keys()[0], 'tokens'));
    // wide creates 182 and takes one; narrow clamps to its 91 and takes one; ten more takes follow.
    expect(tokens).toBeGreaterThanOrEqual(80 - 1e-9);
    expect(tokens).toBeLessThanOrEqual(80 + 0.18 * elapsedMs + 1e-9);
  });

  it('pauses another process’s limiter until the reset after a 429 reported by one', async () => {
    prefix = testPrefix('rl-pause');
    const reporter = limiterFor(settings200, { ownClient: true });
    const other = limiterFor(settings200, { ownClient: true });
    await other.take();
    const reportedAtMs = await redisNowMs();
    await reporter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 2 });
    await other.take();
    expect(await redisNowMs()).toBeGreaterThanOrEqual(reportedAtMs + 2000);
  });

  it('moves a token reserved before a pause past its end (told by pub/sub)', async () => {
    prefix = testPrefix('rl-shift');
    // 4 per 10 s at 0.25 with an 800 ms margin: r = 0.0001/ms, capacity 2.92; after two takes the
    // third token is 0.08 short, so it is reserved 800 ms ahead.
    const tiny: RateLimitSettings = { allowancePerWindow: 4, windowSeconds: 10, share: 0.25 };
    const reporter = limiterFor(tiny, { ownClient: true, latencyMarginMs: 800 });
    const other = limiterFor(tiny, { ownClient: true, latencyMarginMs: 800 });
    await other.take();
    await other.take();
    const reserved = other.take();
    const takenAtMs = await redisNowMs();
    await reporter.report({ status: 429, limit: 4, remaining: 0, resetAtSec: null, retryAfterSec: 2 });
    await reserved;
    // Without the shift it would resolve about 800 ms after takenAtMs, inside the pause.
    expect(await redisNowMs()).toBeGreaterThanOrEqual(takenAtMs + 2000);
  });

  it('lowers the rate of every limiter when one reports a lower X-RateLimit-Limit', async () => {
    prefix = testPrefix('rl-learn');
    const reporter = limiterFor(settings200, { ownClient: true });
    const other = limiterFor(settings200, { ownClient: true });
    await reporter.report({ status: 200, limit: 100, remaining: 80, resetAtSec: null, retryAfterSec: null });
    await other.take();
    // A new bucket of allowance 100 holds 9.1 tokens, not the 18.2 of the configured 200.
    expect(Number(await redis.hget(keys()[0], 'tokens'))).toBeCloseTo(8.1, 1);
    expect(await redis.get(keys()[2])).toBe('100');
  });

  it('fails closed with RateLimiterUnavailableError when Redis does not answer', async () => {
    prefix = testPrefix('rl-down');
    const unreachable = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: null, retryStrategy: () => 200 });
    unreachable.on('error', () => {});
    const limiter = createRedisLimiter({ redis: unreachable, keyPrefix: prefix, settings: settings200, commandTimeoutMs: 300 });
    try {
      const take = await limiter.take().catch((err: unknown) => err);
      expect(take).toBeInstanceOf(RateLimiterUnavailableError);
      expect((take as RateLimiterUnavailableError).code).toBe('RATE_LIMITER_UNAVAILABLE');
      const report = await limiter
        .report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 1 })
        .catch((err: unknown) => err);
      expect(report).toBeInstanceOf(RateLimiterUnavailableError);
    } finally {
      await limiter.close();
      unreachable.disconnect();
    }
  });

  it('fails closed at once when the client refuses to queue commands offline', async () => {
    prefix = testPrefix('rl-offline');
    const offline = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, retryStrategy: () => 200 });
    offline.on('error', () => {});
    const limiter = createRedisLimiter({ redis: offline, keyPrefix: prefix, settings: settings200, commandTimeoutMs: 200 });
    try {
      await expect(limiter.take()).rejects.toBeInstanceOf(RateLimiterUnavailableError);
    } finally {
      await limiter.close();
      offline.disconnect();
    }
  });
});
