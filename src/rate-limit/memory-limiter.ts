import type { RateLimitFeedback, RateLimiter, RateLimitSettings } from './rate-limiter.js';
import { DEFAULT_LATENCY_MARGIN_MS } from './bucket-shape.js';
import { createSleeperSet } from './create-sleeper-set.js';
import { RateLimiterClosedError } from './errors.js';
import { planReport } from './plan-report.js';
import { planTake } from './plan-take.js';
import type { BucketParams, BucketState } from './plan-take.js';
import { validateRateLimitSettings } from './validate-rate-limit-settings.js';
import { DEFAULT_MAX_WAIT_MS, waitForGrant } from './wait-for-grant.js';

export interface MemoryLimiterOptions {
  /** Wall clock in ms (default Date.now; tests pass a controllable one). */
  now?: () => number;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
  /** Longest a take() waits for a token, then RateLimitWaitTimeoutError (default DEFAULT_MAX_WAIT_MS, 120 s). */
  maxWaitMs?: number;
  /** See DEFAULT_LATENCY_MARGIN_MS (default 100 ms). */
  latencyMarginMs?: number;
}

/**
 * The Redis limiter's twin for a single process: the same token bucket (same pure functions), the same
 * pause and learned-limit feedback, state in memory. Never use it to pace several processes against
 * one allowance: each would spend the whole allowance.
 */
export function createMemoryLimiter(settings: RateLimitSettings, options: MemoryLimiterOptions = {}): RateLimiter {
  const valid = validateRateLimitSettings(settings);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const params: BucketParams = {
    allowancePerWindow: valid.allowancePerWindow,
    windowMs: valid.windowSeconds * 1000,
    share: valid.share,
    latencyMarginMs: options.latencyMarginMs ?? DEFAULT_LATENCY_MARGIN_MS,
  };
  const sleepers = createSleeperSet(now);
  let state: BucketState | null = null;
  let pausedUntilMs: number | null = null;
  let learned: { limit: number; untilMs: number } | null = null;
  let closed = false;

  const learnedLimit = (nowMs: number): number | null =>
    learned !== null && learned.untilMs > nowMs ? learned.limit : null;

  return {
    async take(signal) {
      if (closed) throw new RateLimiterClosedError();
      await waitForGrant({
        attempt: async () => {
          if (closed) throw new RateLimiterClosedError();
          const nowMs = now();
          const decision = planTake({ ...params, nowMs, state, pausedUntilMs, learnedLimit: learnedLimit(nowMs) });
          if (decision.kind === 'granted') state = decision.state;
          return decision;
        },
        sleepers,
        clockMs: now,
        random,
        windowMs: params.windowMs,
        maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
        signal,
      });
    },

    async report(feedback: RateLimitFeedback) {
      const nowMs = now();
      const decision = planReport({ ...params, nowMs, feedback, state, pausedUntilMs, learnedLimit: learnedLimit(nowMs), maxPauseMs: valid.maxPauseMs });
      if (decision.learnedLimit.kind === 'set') {
        learned = { limit: decision.learnedLimit.limit, untilMs: nowMs + decision.learnedLimit.ttlMs };
      } else if (decision.learnedLimit.kind === 'clear') {
        learned = null;
      }
      if (decision.pause !== null) {
        pausedUntilMs = decision.pause.untilMs;
        if (decision.pause.state !== null) state = decision.pause.state;
        sleepers.shift(decision.pause.shiftMs);
      }
    },

    async close() {
      closed = true;
      sleepers.closeAll(new RateLimiterClosedError());
    },
  };
}
