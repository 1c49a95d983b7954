import type { RateLimitFeedback } from '../rate-limit/rate-limiter.js';
import { MAX_PAUSE_MS, capPauseMs } from '../rate-limit/max-pause.js';
import { RateLimitedError, isRetryable, type IntercomError } from './errors.js';

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

/** A call's failed attempts so far, counted apart: 429s have their own allowance (`max429Waits`). */
export interface RetryCounts {
  /** Failed attempts other than 429. */
  failures: number;
  /** 429 responses. */
  waits429: number;
}

export const NO_FAILURES: RetryCounts = Object.freeze({ failures: 0, waits429: 0 });

export interface RetryWait {
  waitMs: number;
  /** The counts with this failure added: pass them with the next failure of the same call. */
  counts: RetryCounts;
}

/**
 * The one retry decision of a call: after a failed attempt, how long to wait before the next one, or
 * the error thrown back when there is to be none — the error is not worth another attempt (see
 * `isRetryable`), or its kind's allowance is spent (`maxAttempts` attempts failing other than 429;
 * more than `max429Waits` 429s).
 *
 * Server instructions win: `Retry-After` (any status) is honoured plus jitter; on a 429 without it,
 * the wait runs until `X-RateLimit-Reset` plus jitter (capped at `maxDelayMs`, since a skewed clock
 * could make it absurd). Otherwise exponential backoff with full jitter: uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(failures-1))). Every wait, jitter included, ends within
 * `maxServerWaitMs` and MAX_PAUSE_MS: then the call is tried again, so a server that asks for a year
 * costs one request per pause, not a stalled run.
 *
 * @param counts the call's failures before this one (NO_FAILURES after its first attempt)
 * @example planRetryWait({ error: serverError, counts: { failures: 2, waits429: 0 }, feedback: null, nowMs: 0, random: () => 0.5, policy })
 * // { waitMs: 1000, counts: { failures: 3, waits429: 0 } } with base 500
 */
export function planRetryWait(input: {
  error: IntercomError;
  counts: RetryCounts;
  feedback: RateLimitFeedback | null;
  nowMs: number;
  random: () => number;
  policy: RetryPolicy;
}): RetryWait {
  const { error, feedback, nowMs, random, policy } = input;
  if (!isRetryable(error)) throw error;
  const is429 = error instanceof RateLimitedError;
  const counts: RetryCounts = is429
    ? { failures: input.counts.failures, waits429: input.counts.waits429 + 1 }
    : { failures: input.counts.failures + 1, waits429: input.counts.waits429 };
  if (is429 ? counts.waits429 > policy.max429Waits : counts.failures >= policy.maxAttempts) throw error;

  const wait = (ms: number): RetryWait => ({ waitMs: capPauseMs(ms, policy.maxServerWaitMs), counts });
  const jitterMs = Math.floor(random() * policy.baseDelayMs);
  if (feedback?.retryAfterSec != null) return wait(feedback.retryAfterSec * 1000 + jitterMs);
  if (feedback?.status === 429 && feedback.resetAtSec != null) {
    const untilResetMs = Math.min(policy.maxDelayMs, Math.max(0, feedback.resetAtSec * 1000 - nowMs));
    return wait(untilResetMs + jitterMs);
  }
  const failures = is429 ? counts.waits429 : counts.failures;
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return wait(Math.floor(random() * ceilingMs));
}
