import { describe, expect, it } from 'vitest';
import { BadRequestError, RateLimitedError, ServerError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import { DEFAULT_RETRY_POLICY, NO_FAILURES, planRetryWait, type RetryCounts, type RetryPolicy } from '../../src/intercom/plan-retry-wait.js';
import type { RateLimitFeedback } from '../../src/rate-limit/rate-limiter.js';

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000, maxServerWaitMs: 20_000 };
const serverError = new ServerError('503', { endpoint: 'tags', status: 503 });
const rateLimited = new RateLimitedError('429', { endpoint: 'tags', status: 429 });

function feedback(partial: Partial<RateLimitFeedback>): RateLimitFeedback {
  return { status: 503, limit: null, remaining: null, resetAtSec: null, retryAfterSec: null, ...partial };
}

/** The wait after the `failures`-th failure of a call that failed only with 5xx so far. */
function afterFailures(failures: number, input: { feedback?: RateLimitFeedback | null; nowMs?: number; random: () => number; error?: ServerError | RateLimitedError }) {
  const before: RetryCounts = input.error instanceof RateLimitedError ? { failures: 0, waits429: failures - 1 } : { failures: failures - 1, waits429: 0 };
  return planRetryWait({ error: input.error ?? serverError, counts: before, feedback: input.feedback ?? null, nowMs: input.nowMs ?? 0, random: input.random, policy: { ...policy, maxAttempts: 20 } }).waitMs;
}

describe('planRetryWait: how long', () => {
  it('backs off exponentially with full jitter below a doubling ceiling', () => {
    const nearlyOne = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 5, 6].map((failures) => afterFailures(failures, { random: nearlyOne }) + 1);
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(afterFailures(4, { random: () => 0 })).toBe(0);
  });

  it('honours Retry-After plus jitter on any status', () => {
    expect(afterFailures(1, { feedback: feedback({ retryAfterSec: 4 }), random: () => 0.5 })).toBe(4_000 + 50);
  });

  it('waits no longer than maxServerWaitMs when Retry-After asks for more, then tries again', () => {
    expect(afterFailures(1, { error: rateLimited, feedback: feedback({ status: 429, retryAfterSec: 3600 }), random: () => 0 })).toBe(20_000);
  });

  it('waits until X-RateLimit-Reset plus jitter on a 429 without Retry-After', () => {
    const nowMs = 1_000_000_400;
    expect(afterFailures(1, { error: rateLimited, feedback: feedback({ status: 429, resetAtSec: 1_000_001 }), nowMs, random: () => 0.25 })).toBe(600 + 25);
  });

  it('caps a reset-derived wait at maxDelayMs and never waits a negative time', () => {
    expect(afterFailures(1, { error: rateLimited, feedback: feedback({ status: 429, resetAtSec: 10_000 }), random: () => 0 })).toBe(1_000);
    expect(afterFailures(1, { error: rateLimited, feedback: feedback({ status: 429, resetAtSec: 1 }), nowMs: 9_000, random: () => 0 })).toBe(0);
  });

  it('ignores X-RateLimit-Reset on statuses other than 429', () => {
    expect(afterFailures(1, { feedback: feedback({ status: 503, resetAtSec: 10_000 }), random: () => 0.5 })).toBe(50);
  });

  it('backs a 429 without timing headers off by its own count, not by the other failures', () => {
    const plan = planRetryWait({ error: rateLimited, counts: { failures: 5, waits429: 0 }, feedback: null, nowMs: 0, random: () => 0.999_999, policy });
    expect(plan.waitMs + 1).toBe(100);
  });
});

describe('planRetryWait: whether', () => {
  it('counts each failure under its kind and hands the counts on', () => {
    const first = planRetryWait({ error: serverError, counts: NO_FAILURES, feedback: null, nowMs: 0, random: () => 0, policy });
    expect(first.counts).toEqual({ failures: 1, waits429: 0 });
    const second = planRetryWait({ error: rateLimited, counts: first.counts, feedback: null, nowMs: 0, random: () => 0, policy });
    expect(second.counts).toEqual({ failures: 1, waits429: 1 });
  });

  it('throws the error itself when it is not worth another attempt, whatever the counts', () => {
    for (const error of [
      new BadRequestError('400', { endpoint: 'events', status: 400 }),
      new UnexpectedBodyError('shape', { endpoint: 'events', status: 200, reason: 'wrong-shape' }),
    ]) {
      expect(() => planRetryWait({ error, counts: NO_FAILURES, feedback: null, nowMs: 0, random: () => 0, policy })).toThrow(error);
    }
  });

  it('gives up after maxAttempts attempts failing other than 429 (the first attempt included)', () => {
    const tight = { ...policy, maxAttempts: 3 };
    let counts = NO_FAILURES;
    for (let i = 0; i < 2; i += 1) counts = planRetryWait({ error: serverError, counts, feedback: null, nowMs: 0, random: () => 0, policy: tight }).counts;
    expect(() => planRetryWait({ error: serverError, counts, feedback: null, nowMs: 0, random: () => 0, policy: tight })).toThrow(serverError);
  });

  it('waits out max429Waits 429s, whatever else failed, and gives up on the one after', () => {
    const tight = { ...policy, maxAttempts: 2, max429Waits: 2 };
    let counts: RetryCounts = { failures: 1, waits429: 0 };
    for (let i = 0; i < 2; i += 1) counts = planRetryWait({ error: rateLimited, counts, feedback: null, nowMs: 0, random: () => 0, policy: tight }).counts;
    expect(counts).toEqual({ failures: 1, waits429: 2 });
    expect(() => planRetryWait({ error: rateLimited, counts, feedback: null, nowMs: 0, random: () => 0, policy: tight })).toThrow(rateLimited);
  });

  it('never retries with maxAttempts 1, and never waits a 429 out with max429Waits 0', () => {
    const none = { ...policy, maxAttempts: 1, max429Waits: 0 };
    expect(() => planRetryWait({ error: serverError, counts: NO_FAILURES, feedback: null, nowMs: 0, random: () => 0, policy: none })).toThrow(serverError);
    expect(() => planRetryWait({ error: rateLimited, counts: NO_FAILURES, feedback: null, nowMs: 0, random: () => 0, policy: none })).toThrow(rateLimited);
  });
});
