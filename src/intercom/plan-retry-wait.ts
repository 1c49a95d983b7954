import type { RateLimitFeedback } from '../rate-limit/rate-limiter.js';
import { MAX_PAUSE_MS, capPauseMs } from '../rate-limit/max-pause.js';

export interface RetryPolicy {
  /** HTTP attempts per call for failures other than 429 (the first attempt included). Default 6. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per failure (full jitter picks uniformly below it). Default 500. */
  baseDelayMs: number;
  /** Backoff ceiling, also the cap on a wait derived from X-RateLimit-Reset. Default 30,000. */
  maxDelayMs: number;
  /** 429 responses one call waits out before it fails with RateLimitedError. Default 10. */
  max429Waits: number;
  /**
   * The longest wait before the next attempt, whatever the server asks (a `Retry-After` of a year is
   * waited out this long, then the call asks again). Default, and never more than, MAX_PAUSE_MS.
   */
  maxServerWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  max429Waits: 10,
  maxServerWaitMs: MAX_PAUSE_MS,
});

export interface RetryWait {
  kind: 'wait';
  waitMs: number;
}

/**
 * How long to wait before the next attempt. Server instructions win: `Retry-After` (any status) is
 * honoured plus jitter; on a 429 without it, the wait runs until `X-RateLimit-Reset` plus jitter
 * (capped at `maxDelayMs`, since a skewed clock could make it absurd). Otherwise exponential backoff
 * with full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(failures-1))). Every wait, jitter
 * included, ends within `maxServerWaitMs` and MAX_PAUSE_MS: then the call is tried again, so a server
 * that asks for a year costs one request per pause, not a stalled run.
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
  const capped = (ms: number): RetryWait => ({ kind: 'wait', waitMs: capPauseMs(ms, policy.maxServerWaitMs) });
  const jitterMs = Math.floor(random() * policy.baseDelayMs);

  if (feedback?.retryAfterSec != null) return capped(feedback.retryAfterSec * 1000 + jitterMs);
  if (feedback?.status === 429 && feedback.resetAtSec != null) {
    const untilResetMs = Math.min(policy.maxDelayMs, Math.max(0, feedback.resetAtSec * 1000 - nowMs));
    return capped(untilResetMs + jitterMs);
  }
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return capped(Math.floor(random() * ceilingMs));
}
