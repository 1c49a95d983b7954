import type { RateLimitFeedback } from './rate-limiter.js';
import { bucketShape, effectiveAllowance } from './bucket-shape.js';
import { bucketTtlMs, refillTokens } from './plan-take.js';
import type { BucketParams, BucketState } from './plan-take.js';
import { MAX_PAUSE_MS } from './max-pause.js';

/** A learned lower limit is forgotten after this many windows unless the server repeats it. */
export const LEARNED_LIMIT_WINDOWS = 60;

export interface ReportInput extends BucketParams {
  nowMs: number;
  feedback: RateLimitFeedback;
  state: BucketState | null;
  pausedUntilMs: number | null;
  learnedLimit: number | null;
  /** The longest pause a response may impose (default and at most MAX_PAUSE_MS). */
  maxPauseMs?: number;
}

export interface PausePlan {
  untilMs: number;
  /** How far the pause moved on; every reserved token's due time moves on by as much. */
  shiftMs: number;
  pauseTtlMs: number;
  /** The bucket frozen across the pause (null when there is no bucket yet). */
  state: BucketState | null;
  bucketTtlMs: number;
}

export type LearnedLimitPlan = { kind: 'set'; limit: number; ttlMs: number } | { kind: 'clear' } | { kind: 'keep' };

export interface ReportDecision {
  /** Null unless the feedback starts or extends a pause. */
  pause: PausePlan | null;
  learnedLimit: LearnedLimitPlan;
}

/**
 * Until when a response says to stop: a 429, or X-RateLimit-Remaining 0, stops everyone until
 * X-RateLimit-Reset (capped at one window from now, against clock skew) or Retry-After, whichever is
 * later. A 429 without a usable time waits one whole window: only then has the server's window surely
 * rolled over. Whatever the response asks, the pause ends within `maxPauseMs` (at most MAX_PAUSE_MS):
 * then the next request asks again. Null when the response asks for no pause.
 *
 * @example pauseUntilMs({ status: 429, limit: 200, remaining: 0, resetAtSec: 105, retryAfterSec: null }, 100_000, 10_000) // 105_000
 * @example pauseUntilMs({ status: 429, limit: null, remaining: null, resetAtSec: null, retryAfterSec: 31_536_000 }, 0, 10_000) // 60_000
 */
export function pauseUntilMs(feedback: RateLimitFeedback, nowMs: number, windowMs: number, maxPauseMs: number = MAX_PAUSE_MS): number | null {
  const exhausted = feedback.status === 429 || (feedback.remaining !== null && feedback.remaining <= 0);
  if (!exhausted) return null;
  const latestMs = nowMs + Math.min(maxPauseMs, MAX_PAUSE_MS);
  let untilMs = nowMs;
  if (feedback.resetAtSec !== null) untilMs = Math.max(untilMs, Math.min(feedback.resetAtSec * 1000, nowMs + windowMs));
  if (feedback.retryAfterSec !== null) untilMs = Math.max(untilMs, nowMs + feedback.retryAfterSec * 1000);
  if (untilMs > nowMs) return Math.min(untilMs, latestMs);
  return feedback.status === 429 ? Math.min(nowMs + windowMs, latestMs) : null;
}

/**
 * What a response changes in the shared state. A pause freezes the bucket (its refill clock moves to
 * the pause's end) instead of emptying it: the schedule of granted and reserved tokens shifts as a
 * whole, so the burst bound of {@link bucketShape} still holds after the pause. An X-RateLimit-Limit
 * below the configured allowance becomes the allowance for everyone; one at or above it clears what
 * was learned. Pure; mirrored line by line in lua/report-3.lua.
 */
export function planReport(input: ReportInput): ReportDecision {
  const { feedback, nowMs } = input;
  const configured = input.allowancePerWindow;

  let learnedLimit: LearnedLimitPlan = { kind: 'keep' };
  let nextLearned = input.learnedLimit;
  if (feedback.limit !== null && feedback.limit >= 1) {
    if (feedback.limit < configured) {
      learnedLimit = { kind: 'set', limit: feedback.limit, ttlMs: Math.ceil(LEARNED_LIMIT_WINDOWS * input.windowMs) };
      nextLearned = feedback.limit;
    } else if (input.learnedLimit !== null) {
      learnedLimit = { kind: 'clear' };
      nextLearned = null;
    }
  }

  const untilMs = pauseUntilMs(feedback, nowMs, input.windowMs, input.maxPauseMs);
  const pausedFromMs = Math.max(nowMs, input.pausedUntilMs ?? nowMs);
  if (untilMs === null || untilMs <= pausedFromMs) return { pause: null, learnedLimit };

  const shiftMs = untilMs - pausedFromMs;
  const before = bucketShape({ ...input, allowancePerWindow: effectiveAllowance(configured, input.learnedLimit) });
  const after = bucketShape({ ...input, allowancePerWindow: effectiveAllowance(configured, nextLearned) });
  let state: BucketState | null = null;
  let ttlMs = 0;
  if (input.state !== null) {
    const current = refillTokens(input.state, nowMs, before.capacity, before.refillPerMs);
    state = { tokens: current.tokens, updatedAtMs: current.updatedAtMs + shiftMs };
    ttlMs = Math.max(
      bucketTtlMs(state, nowMs, before.capacity, before.refillPerMs, input.windowMs),
      bucketTtlMs(state, nowMs, after.capacity, after.refillPerMs, input.windowMs),
    );
  }
  return {
    pause: { untilMs, shiftMs, pauseTtlMs: Math.ceil(untilMs - nowMs), state, bucketTtlMs: ttlMs },
    learnedLimit,
  };
}
