/**
 * Several OS processes draw from one Redis bucket and call the sandbox concurrently over many server
 * windows. The sandbox counts in sliding windows (stricter than Intercom's fixed ones: every fixed
 * window is one of them), so a single 429 would mean some window got more than the allowance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { nextWindowStartMs, runRateLimitChildren } from '../support/rate-limit-run-children.js';
import { createTestRedis, deleteKeys, redisUrl, testPrefix } from '../support/redis.js';

const ALLOWANCE = 100;
const WINDOW_SECONDS = 2;
const WINDOWS = 8;
const SHARE = 0.9;

let sandbox: Sandbox;
let redis: Redis;
const prefix = testPrefix('rl-procs-bound');

beforeAll(async () => {
  redis = createTestRedis();
  sandbox = await startSandbox({
    contacts: 20,
    seed: 1,
    rateLimit: { allowancePerWindow: ALLOWANCE, windowSeconds: WINDOW_SECONDS, mode: 'sliding' },
  });
});
afterAll(async () => {
  await sandbox?.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('the Redis limiter shared by OS processes', () => {
  it('keeps every server window within the allowance over many windows, with no 429, at four processes', async () => {
    const windowMs = WINDOW_SECONDS * 1000;
    const { startAtMs, results } = await runRateLimitChildren(
      {
        pacer: 'redis',
        redisUrl: redisUrl(),
        keyPrefix: prefix,
        settings: { allowancePerWindow: ALLOWANCE, windowSeconds: WINDOW_SECONDS, share: SHARE },
        baseUrl: sandbox.url,
        concurrency: 4,
        durationMs: WINDOWS * windowMs,
      },
      { processes: 4, token: sandbox.token, startAtMs: (nowMs) => nextWindowStartMs(nowMs, windowMs) },
    );

    expect(sandbox.counters.responses429).toBe(0);
    const perWindow = [...sandbox.counters.requestsByWindow.values()];
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(ALLOWANCE);
    for (const result of results) {
      expect(result.failures).toEqual([]);
      expect(result.sentAtMs.length, `process ${result.pid} drew tokens`).toBeGreaterThan(0);
    }
    // The processes were really pacing, not idling: the bucket allows SHARE of the allowance per
    // window; demand exceeded it, so at least half of it must have been granted.
    const granted = results.reduce((n, r) => n + r.sentAtMs.filter((t) => t >= startAtMs).length, 0);
    expect(granted).toBeGreaterThan(0.5 * SHARE * ALLOWANCE * WINDOWS);
    expect(sandbox.counters.requestsByWindow.size).toBeGreaterThanOrEqual(WINDOWS);
  });
});
