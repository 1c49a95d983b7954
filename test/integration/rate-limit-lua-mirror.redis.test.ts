/**
 * take-3.lua and report-3.lua against the same hand-derived cases as planTake/planReport. The scripts
 * read Redis TIME, so each case is laid out relative to TIME read just before, and compared within the
 * milliseconds that passed until just after.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createScriptRunner } from '../../src/shared/create-script-runner.js';
import { reportScript, takeScript } from '../../src/rate-limit/lua-scripts.js';
import { MAX_PAUSE_MS } from '../../src/rate-limit/max-pause.js';
import { rateLimitKeys } from '../../src/rate-limit/rate-limit-keys.js';
import { reportCases, takeCases } from '../support/rate-limit-cases.js';
import type { RelativeState } from '../support/rate-limit-cases.js';
import { createTestRedis, deleteKeys, testPrefix } from '../support/redis.js';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = createTestRedis();
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

async function redisNowMs(): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Number(usec) / 1000;
}

/** Lays out bucket, pause and learned limit relative to Redis TIME; returns the keys and that time. */
async function arrange(state: RelativeState | null, pauseInMs: number | null, learnedLimit: number | null) {
  prefix = testPrefix('rl-mirror');
  const { keys, channel } = rateLimitKeys(prefix, 'b');
  const [bucketKey, pauseKey, limitKey] = keys;
  const beforeMs = await redisNowMs();
  if (state !== null) await redis.hset(bucketKey, 'tokens', String(state.tokens), 'updatedAtMs', String(beforeMs - state.ageMs));
  if (pauseInMs !== null) await redis.set(pauseKey, String(beforeMs + pauseInMs), 'PX', pauseInMs);
  if (learnedLimit !== null) await redis.set(limitKey, String(learnedLimit), 'PX', 60_000);
  return { keys, channel, bucketKey, limitKey, beforeMs };
}

function args(params: { allowancePerWindow: number; windowMs: number; share: number; latencyMarginMs: number }) {
  return [params.allowancePerWindow, params.windowMs, params.share, params.latencyMarginMs];
}

describe('take-3.lua on the cases shared with planTake', () => {
  for (const c of takeCases) {
    it(c.name, async () => {
      const { keys, bucketKey, beforeMs } = await arrange(c.state, c.pauseInMs, c.learnedLimit);
      const reply = (await createScriptRunner(redis, takeScript())(keys, args(c.params))) as number[];
      const driftMs = (await redisNowMs()) - beforeMs + 1;
      const kind = { 1: 'granted', 2: 'paused', 3: 'retry' }[reply[0] ?? 0];
      expect(kind).toBe(c.expected.kind);
      expect(Math.abs((reply[1] ?? NaN) - c.expected.waitMs)).toBeLessThanOrEqual(driftMs);
      expect(reply[2]).toBe(c.expected.allowancePerWindow);
      const stored = await redis.hget(bucketKey, 'tokens');
      if (c.expected.tokensAfter === null) {
        // Nothing is written unless a token is granted.
        expect(stored === null ? null : Number(stored)).toBe(c.state?.tokens ?? null);
      } else {
        expect(Math.abs(Number(stored) - c.expected.tokensAfter)).toBeLessThanOrEqual(c.refillPerMs * driftMs + 1e-9);
        expect(await redis.pttl(bucketKey)).toBeGreaterThan(0);
      }
    });
  }
});

describe('report-3.lua on the cases shared with planReport', () => {
  for (const c of reportCases) {
    it(c.name, async () => {
      const { keys, channel, bucketKey, limitKey, beforeMs } = await arrange(c.state, c.pauseInMs, c.learnedLimit);
      const feedback = c.feedback(beforeMs);
      const reply = (await createScriptRunner(redis, reportScript())(keys, [
        ...args(c.params),
        feedback.status,
        feedback.limit ?? '',
        feedback.remaining ?? '',
        feedback.resetAtSec ?? '',
        feedback.retryAfterSec ?? '',
        channel,
        'mirror-test',
        MAX_PAUSE_MS,
      ])) as number[];
      const driftMs = (await redisNowMs()) - beforeMs + 1;
      expect(Math.abs((reply[0] ?? NaN) - c.expected.shiftMs)).toBeLessThanOrEqual(driftMs);
      if (c.expected.pauseInMs !== null) {
        expect(Math.abs((reply[1] ?? NaN) - c.expected.pauseInMs)).toBeLessThanOrEqual(driftMs);
      }
      const [tokens, updatedAtMs] = await redis.hmget(bucketKey, 'tokens', 'updatedAtMs');
      if (c.expected.tokensAfter === null) {
        expect(tokens).toBeNull();
      } else {
        expect(Math.abs(Number(tokens) - c.expected.tokensAfter)).toBeLessThanOrEqual(c.refillPerMs * driftMs + 1e-9);
        expect(Math.abs(Number(updatedAtMs) - beforeMs - (c.expected.updatedInMs ?? NaN))).toBeLessThanOrEqual(driftMs);
      }
      const learned = await redis.get(limitKey);
      expect(learned === null ? null : Number(learned)).toBe(c.expected.learnedLimitAfter);
    });
  }
});
