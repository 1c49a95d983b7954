import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RateLimitAbortedError,
  RateLimiterClosedError,
  RateLimitSettingsError,
  RateLimitWaitTimeoutError,
} from '../../src/rate-limit/errors.js';
import { MAX_PAUSE_MS } from '../../src/rate-limit/max-pause.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.js';

// 200 per 10 s at 90%, 100 ms margin: r = 0.018 tokens/ms, capacity 18.2 (see bucketShape).
const settings = { allowancePerWindow: 200, windowSeconds: 10, share: 0.9 };
const START_MS = 1_800_000_000_000;

/** Starts `count` takes and records when each resolves (fake time). */
function takeAll(limiter: RateLimiter, count: number): { grantedAtMs: number[]; done: Promise<unknown> } {
  const grantedAtMs: number[] = [];
  const done = Promise.all(Array.from({ length: count }, () => limiter.take().then(() => grantedAtMs.push(Date.now()))));
  return { grantedAtMs, done };
}

/** Waits are whole milliseconds, rounded up from float arithmetic. */
function expectWithinOneMs(actualMs: number, exactMs: number): void {
  expect(actualMs).toBeGreaterThanOrEqual(Math.floor(exactMs));
  expect(actualMs).toBeLessThanOrEqual(Math.ceil(exactMs) + 1);
}

describe('createMemoryLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(START_MS);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants the burst at once, then one token every 1/r ms', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0 });
    const { grantedAtMs, done } = takeAll(limiter, 21);
    await vi.advanceTimersByTimeAsync(0);
    expect(grantedAtMs).toHaveLength(18);
    await vi.advanceTimersByTimeAsync(200);
    await done;
    // 0.2 tokens left after the burst: the 19th token is whole after 0.8 / r, then one per 1 / r.
    const expectedMs = [0.8 / 0.018, 1.8 / 0.018, 2.8 / 0.018];
    grantedAtMs.slice(18).forEach((t, i) => expectWithinOneMs(t - START_MS, expectedMs[i]!));
  });

  it('pauses every waiting take until the reset after a 429, resuming with jitter', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0.5 });
    const { done: burst } = takeAll(limiter, 18);
    await vi.advanceTimersByTimeAsync(0);
    await burst;
    const resetAtSec = START_MS / 1000 + 3;
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec, retryAfterSec: null });
    const { grantedAtMs, done } = takeAll(limiter, 1);
    await vi.advanceTimersByTimeAsync(5000);
    await done;
    // Resume jitter spans min(1 s, window / 10) = 1 s; random 0.5 gives 500 ms after the reset.
    expect(grantedAtMs[0]).toBe(resetAtSec * 1000 + 500);
  });

  it('moves a token reserved before a pause on by the length of the pause', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0 });
    const { done: burst } = takeAll(limiter, 18);
    await vi.advanceTimersByTimeAsync(0);
    await burst;
    const { grantedAtMs, done } = takeAll(limiter, 1); // reserved, due at START + 45 ms
    await vi.advanceTimersByTimeAsync(10);
    await limiter.report({ status: 200, limit: 200, remaining: 0, resetAtSec: START_MS / 1000 + 2, retryAfterSec: null });
    await vi.advanceTimersByTimeAsync(3000);
    await done;
    expectWithinOneMs(grantedAtMs[0]! - START_MS, 0.8 / 0.018 + (2000 - 10));
  });

  it('lowers the rate for a lower X-RateLimit-Limit and restores it when the server reports more', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0 });
    await limiter.report({ status: 200, limit: 100, remaining: 50, resetAtSec: null, retryAfterSec: null });
    // allowance 100: capacity 100 − 0.009 · 10,100 = 9.1
    const lowered = takeAll(limiter, 10);
    await vi.advanceTimersByTimeAsync(0);
    expect(lowered.grantedAtMs).toHaveLength(9);
    await vi.advanceTimersByTimeAsync(1000);
    await lowered.done;
    expectWithinOneMs(lowered.grantedAtMs[9]! - START_MS, 0.9 / 0.009);

    await limiter.report({ status: 200, limit: 200, remaining: 150, resetAtSec: null, retryAfterSec: null });
    await vi.advanceTimersByTimeAsync(20_000); // long enough to fill any bucket
    const restored = takeAll(limiter, 19);
    await vi.advanceTimersByTimeAsync(0);
    // The full burst of allowance 200 (18 whole tokens), not the 9 of allowance 100.
    expect(restored.grantedAtMs).toHaveLength(18);
    await vi.advanceTimersByTimeAsync(1000);
    await restored.done;
  });

  it('rejects at once with RateLimitWaitTimeoutError when the next token is due after maxWaitMs', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), maxWaitMs: 1000 });
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: START_MS / 1000 + 5, retryAfterSec: null });
    await expect(limiter.take()).rejects.toBeInstanceOf(RateLimitWaitTimeoutError);
  });

  it('gives up a reserved token with RateLimitWaitTimeoutError when a pause pushes it past maxWaitMs', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0, maxWaitMs: 2_000 });
    const burst = takeAll(limiter, 18);
    await burst.done;
    const reserved = limiter.take().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(10);
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 5 });
    const err = await reserved;
    expect(err).toBeInstanceOf(RateLimitWaitTimeoutError);
    expect(Date.now() - START_MS).toBe(10);
    expect((err as RateLimitWaitTimeoutError).neededMs).toBeGreaterThan(5_000);
  });

  it('keeps a reserved token that a pause moves on within maxWaitMs', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0 });
    await takeAll(limiter, 18).done;
    let grantedAtMs = 0;
    const reserved = limiter.take().then(() => (grantedAtMs = Date.now()));
    await vi.advanceTimersByTimeAsync(10);
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 5 });
    await vi.advanceTimersByTimeAsync(6_000);
    await reserved;
    // Due ~44 ms after the start, moved on by the 5 s pause.
    expect(grantedAtMs - START_MS).toBeGreaterThan(5_000);
    expect(grantedAtMs - START_MS).toBeLessThan(5_100);
  });

  it('by default waits out a pause of the longest length (Retry-After capped at MAX_PAUSE_MS), for a reserved token and a new take alike', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0.999 });
    await takeAll(limiter, 18).done;
    const granted: number[] = [];
    const reserved = limiter.take().then(() => granted.push(Date.now() - START_MS));
    await vi.advanceTimersByTimeAsync(10);
    // A server asking for a day: the pause is capped at MAX_PAUSE_MS and then waited out.
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 86_400 });
    const queued = limiter.take().then(() => granted.push(Date.now() - START_MS));
    await vi.advanceTimersByTimeAsync(2 * MAX_PAUSE_MS);
    await Promise.all([reserved, queued]);
    expect(granted).toHaveLength(2);
    for (const ms of granted) expect(ms).toBeGreaterThanOrEqual(MAX_PAUSE_MS);
  });

  it('never sleeps past maxWaitMs: the resume jitter is cut at the deadline', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0.999, maxWaitMs: 1_000 });
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: null });
    // A 429 without a time pauses one window (10 s): too long, refused at once.
    await expect(limiter.take()).rejects.toBeInstanceOf(RateLimitWaitTimeoutError);
    const shortPause = createMemoryLimiter(settings, { now: () => Date.now(), random: () => 0.999, maxWaitMs: 1_000 });
    await shortPause.report({ status: 200, limit: 200, remaining: 0, resetAtSec: START_MS / 1000 + 0.9, retryAfterSec: null });
    let grantedAtMs = 0;
    const taken = shortPause.take().then(() => (grantedAtMs = Date.now()));
    await vi.advanceTimersByTimeAsync(2_000);
    await taken;
    // Paused 900 ms; a resume jitter of up to 1 s would wake it at 1899 ms, the deadline at 1000.
    expect(grantedAtMs - START_MS).toBe(1_000);
  });

  it('rejects with RateLimitAbortedError when the signal aborts during the wait', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now() });
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: START_MS / 1000 + 5, retryAfterSec: null });
    const controller = new AbortController();
    const taken = limiter.take(controller.signal);
    const caught = taken.catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(new Error('shutdown'));
    const err = await caught;
    expect(err).toBeInstanceOf(RateLimitAbortedError);
    expect((err as RateLimitAbortedError).code).toBe('RATE_LIMIT_ABORTED');
  });

  it('rejects waiting and later takes with RateLimiterClosedError after close()', async () => {
    const limiter = createMemoryLimiter(settings, { now: () => Date.now() });
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: START_MS / 1000 + 5, retryAfterSec: null });
    const caught = limiter.take().catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(10);
    await limiter.close();
    expect(await caught).toBeInstanceOf(RateLimiterClosedError);
    await expect(limiter.take()).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('refuses settings that describe no rate, listing every problem', () => {
    let caught: unknown;
    try {
      createMemoryLimiter({ allowancePerWindow: 0, windowSeconds: -1, share: 1.5 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RateLimitSettingsError);
    expect((caught as RateLimitSettingsError).problems).toHaveLength(3);
  });
});
