import type { RateLimitFeedback } from '../rate-limit/rate-limiter.js';

export interface RetryPolicy {
  /** HTTP attempts per call for failures other than 429 (the first attempt included). Default 6. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per failure (full jitter picks uniformly below it). Default 500. */
  baseDelayMs: number;
  /** Backoff ceiling, also the cap on a wait derived from X-RateLimit-Reset. Default 30,000. */
  maxDelayMs: number;
  /** 429 responses one call waits out before it fails with RateLimitedError. Default 10. */
  max429Waits: number;
  /** A Retry-After longer than this is not waited out: the call fails with RateLimitedError at once. Default 60,000. */
  maxServerWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  max429Waits: 10,
  maxServerWaitMs: 60_000,
});

export type RetryWait = { kind: 'wait'; waitMs: number } | { kind: 'give-up'; retryAfterMs: number };

/**
 * How long to wait before the next attempt. Server instructions win: `Retry-After` (any status) is
 * honoured plus jitter, unless it exceeds `maxServerWaitMs` (then the call gives up and reports the
 * wait); on a 429 without it, the wait runs until `X-RateLimit-Reset` plus jitter (capped at
 * `maxDelayMs`, since a skewed clock could make it absurd). Otherwise exponential backoff with full
 * jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(failures-1))).
 *
 * @param failures failed attempts so far of the kind being retried (1 after the first failure)
 * @example planRetryWait({ failures: 3, feedback: null, nowMs: 0, random: () => 0.5, policy }) // wait 1000 with base 500
 */
export function planRetryWait(input: {
  failures: number;
  feedback: RateLimitFeedback | null;
  nowMs: number;
  random: () => number;
  policy: RetryPolicy;
}): RetryWait {
  const { failures, feedback, nowMs, random, policy } = input;
  const jitterMs = Math.floor(random() * policy.baseDelayMs);

  if (feedback?.retryAfterSec != null) {
    const serverWaitMs = feedback.retryAfterSec * 1000;
    if (serverWaitMs > policy.maxServerWaitMs) return { kind: 'give-up', retryAfterMs: serverWaitMs };
    return { kind: 'wait', waitMs: serverWaitMs + jitterMs };
  }
  if (feedback?.status === 429 && feedback.resetAtSec != null) {
    const untilResetMs = Math.min(policy.maxDelayMs, Math.max(0, feedback.resetAtSec * 1000 - nowMs));
    return { kind: 'wait', waitMs: untilResetMs + jitterMs };
  }
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return { kind: 'wait', waitMs: Math.floor(random() * ceilingMs) };
}
