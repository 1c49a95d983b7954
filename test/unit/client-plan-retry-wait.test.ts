import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, planRetryWait, type RetryPolicy } from '../../src/intercom/plan-retry-wait.js';
import type { RateLimitFeedback } from '../../src/rate-limit/rate-limiter.js';

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000, maxServerWaitMs: 20_000 };

function feedback(partial: Partial<RateLimitFeedback>): RateLimitFeedback {
  return { status: 503, limit: null, remaining: null, resetAtSec: null, retryAfterSec: null, ...partial };
}

describe('planRetryWait', () => {
  it('backs off exponentially with full jitter below a doubling ceiling', () => {
    const nearlyOne = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 5, 6].map((failures) => {
      const plan = planRetryWait({ failures, feedback: null, nowMs: 0, random: nearlyOne, policy });
      return plan.kind === 'wait' ? plan.waitMs + 1 : -1;
    });
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const zero = planRetryWait({ failures: 4, feedback: null, nowMs: 0, random: () => 0, policy });
    expect(zero).toEqual({ kind: 'wait', waitMs: 0 });
  });

  it('honours Retry-After plus jitter on any status', () => {
    const plan = planRetryWait({ failures: 1, feedback: feedback({ retryAfterSec: 4 }), nowMs: 0, random: () => 0.5, policy });
    expect(plan).toEqual({ kind: 'wait', waitMs: 4_000 + 50 });
  });

  it('waits no longer than maxServerWaitMs when Retry-After asks for more, then tries again', () => {
    const plan = planRetryWait({ failures: 1, feedback: feedback({ status: 429, retryAfterSec: 3600 }), nowMs: 0, random: () => 0, policy });
    expect(plan).toEqual({ kind: 'wait', waitMs: 20_000 });
  });

  it('waits until X-RateLimit-Reset plus jitter on a 429 without Retry-After', () => {
    const nowMs = 1_000_000_400;
    const plan = planRetryWait({ failures: 1, feedback: feedback({ status: 429, resetAtSec: 1_000_001 }), nowMs, random: () => 0.25, policy });
    expect(plan).toEqual({ kind: 'wait', waitMs: 600 + 25 });
  });

  it('caps a reset-derived wait at maxDelayMs and never waits a negative time', () => {
    const far = planRetryWait({ failures: 1, feedback: feedback({ status: 429, resetAtSec: 10_000 }), nowMs: 0, random: () => 0, policy });
    expect(far).toEqual({ kind: 'wait', waitMs: 1_000 });
    const past = planRetryWait({ failures: 1, feedback: feedback({ status: 429, resetAtSec: 1 }), nowMs: 9_000, random: () => 0, policy });
    expect(past).toEqual({ kind: 'wait', waitMs: 0 });
  });

  it('ignores X-RateLimit-Reset on statuses other than 429', () => {
    const plan = planRetryWait({ failures: 1, feedback: feedback({ status: 503, resetAtSec: 10_000 }), nowMs: 0, random: () => 0.5, policy });
    expect(plan).toEqual({ kind: 'wait', waitMs: 50 });
  });
});
