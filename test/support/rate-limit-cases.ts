/**
 * Cases for the token-bucket arithmetic, run through the pure functions (test/unit/rate-limit-cases.test.ts)
 * and through the Lua scripts in Redis (test/integration/rate-limit-lua-mirror.redis.test.ts): the two
 * implementations must agree with these hand-derived expectations. Times are relative to "now", since
 * the scripts read Redis TIME.
 *
 * Shapes used (see bucketShape): 200 per 10 s at 0.9 with a 100 ms margin → r = 0.018/ms, B = 18.2;
 * 100 per 10 s at 0.9 → r = 0.009/ms, B = 9.1; 100 per 2 s at 0.9 → r = 0.045/ms, B = 5.5.
 */
import type { RateLimitFeedback } from '../../src/rate-limit/rate-limiter.js';
import type { BucketParams } from '../../src/rate-limit/plan-take.js';

export const P200: BucketParams = { allowancePerWindow: 200, windowMs: 10_000, share: 0.9, latencyMarginMs: 100 };
export const P100x2s: BucketParams = { allowancePerWindow: 100, windowMs: 2000, share: 0.9, latencyMarginMs: 100 };

export interface RelativeState {
  tokens: number;
  /** updatedAtMs = now − ageMs (negative: frozen until then). */
  ageMs: number;
}

export interface TakeCase {
  name: string;
  params: BucketParams;
  /** The refill rate of the shape in force, for tolerances. */
  refillPerMs: number;
  state: RelativeState | null;
  pauseInMs: number | null;
  learnedLimit: number | null;
  expected: {
    kind: 'granted' | 'paused' | 'retry';
    waitMs: number;
    /** Tokens stored after a grant (null: nothing stored). */
    tokensAfter: number | null;
    allowancePerWindow: number;
  };
}

export const takeCases: TakeCase[] = [
  {
    name: 'a new bucket starts full and grants at once',
    params: P200,
    refillPerMs: 0.018,
    state: null,
    pauseInMs: null,
    learnedLimit: null,
    expected: { kind: 'granted', waitMs: 0, tokensAfter: 17.2, allowancePerWindow: 200 },
  },
  {
    name: 'an empty bucket refills for the time elapsed',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 0, ageMs: 500 },
    pauseInMs: null,
    learnedLimit: null,
    expected: { kind: 'granted', waitMs: 0, tokensAfter: 8, allowancePerWindow: 200 },
  },
  {
    name: 'refill stops at the capacity',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 2, ageMs: 3_600_000 },
    pauseInMs: null,
    learnedLimit: null,
    expected: { kind: 'granted', waitMs: 0, tokensAfter: 17.2, allowancePerWindow: 200 },
  },
  {
    name: 'a token due within the horizon is reserved',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: -5, ageMs: 0 },
    pauseInMs: null,
    learnedLimit: null,
    // 6 tokens short at 0.018/ms: due in 333.3 ms.
    expected: { kind: 'granted', waitMs: 334, tokensAfter: -6, allowancePerWindow: 200 },
  },
  {
    name: 'a token beyond the horizon is refused until a reservation is possible',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: -30, ageMs: 0 },
    pauseInMs: null,
    learnedLimit: null,
    // 31 tokens short: due in 1722.2 ms, 722.2 ms beyond the 1000 ms horizon.
    expected: { kind: 'retry', waitMs: 723, tokensAfter: null, allowancePerWindow: 200 },
  },
  {
    name: 'a running pause refuses with the time left',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 10, ageMs: 0 },
    pauseInMs: 1500,
    learnedLimit: null,
    expected: { kind: 'paused', waitMs: 1500, tokensAfter: null, allowancePerWindow: 200 },
  },
  {
    name: 'a learned lower limit shrinks the bucket and the rate',
    params: P200,
    refillPerMs: 0.009,
    state: { tokens: 18.2, ageMs: 0 },
    pauseInMs: null,
    learnedLimit: 100,
    expected: { kind: 'granted', waitMs: 0, tokensAfter: 8.1, allowancePerWindow: 100 },
  },
  {
    name: 'a learned limit above the configured allowance is ignored',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 5, ageMs: 0 },
    pauseInMs: null,
    learnedLimit: 500,
    expected: { kind: 'granted', waitMs: 0, tokensAfter: 4, allowancePerWindow: 200 },
  },
  {
    name: 'a bucket frozen by a pause refills only after it thaws',
    params: P100x2s,
    refillPerMs: 0.045,
    state: { tokens: 0.1, ageMs: -100 },
    pauseInMs: null,
    learnedLimit: null,
    // 100 ms frozen, then 0.9 tokens at 0.045/ms: 20 ms.
    expected: { kind: 'granted', waitMs: 120, tokensAfter: -0.9, allowancePerWindow: 100 },
  },
];

export interface ReportCase {
  name: string;
  params: BucketParams;
  refillPerMs: number;
  state: RelativeState | null;
  pauseInMs: number | null;
  learnedLimit: number | null;
  /** Built from "now" because X-RateLimit-Reset is absolute. */
  feedback: (nowMs: number) => RateLimitFeedback;
  expected: {
    /** 0: the report starts or extends no pause. */
    shiftMs: number;
    /** Pause end relative to now, or null when no pause is set by this report. */
    pauseInMs: number | null;
    tokensAfter: number | null;
    /** Bucket's updatedAtMs relative to now after the report, or null when untouched. */
    updatedInMs: number | null;
    learnedLimitAfter: number | null;
  };
}

const ok = (nowMs: number): RateLimitFeedback => ({ status: 200, limit: 200, remaining: 120, resetAtSec: nowMs / 1000 + 4, retryAfterSec: null });

export const reportCases: ReportCase[] = [
  {
    name: 'a success with requests remaining changes nothing',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 3, ageMs: 0 },
    pauseInMs: null,
    learnedLimit: null,
    feedback: ok,
    expected: { shiftMs: 0, pauseInMs: null, tokensAfter: 3, updatedInMs: 0, learnedLimitAfter: null },
  },
  {
    name: 'a 429 pauses until the reset and freezes the bucket until then',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: 3, ageMs: 100 },
    pauseInMs: null,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), status: 429, remaining: 0 }),
    expected: { shiftMs: 4000, pauseInMs: 4000, tokensAfter: 4.8, updatedInMs: 4000, learnedLimitAfter: null },
  },
  {
    name: 'Remaining 0 on a success pauses as well',
    params: P200,
    refillPerMs: 0.018,
    state: null,
    pauseInMs: null,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), remaining: 0 }),
    expected: { shiftMs: 4000, pauseInMs: 4000, tokensAfter: null, updatedInMs: null, learnedLimitAfter: null },
  },
  {
    name: 'a later reset extends a running pause by the difference only',
    params: P200,
    refillPerMs: 0.018,
    state: { tokens: -2, ageMs: -1000 },
    pauseInMs: 1000,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), status: 429, remaining: 0 }),
    expected: { shiftMs: 3000, pauseInMs: 4000, tokensAfter: -2, updatedInMs: 4000, learnedLimitAfter: null },
  },
  {
    name: 'a Retry-After later than the reset wins',
    params: P200,
    refillPerMs: 0.018,
    state: null,
    pauseInMs: null,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), status: 429, remaining: 0, retryAfterSec: 7 }),
    expected: { shiftMs: 7000, pauseInMs: 7000, tokensAfter: null, updatedInMs: null, learnedLimitAfter: null },
  },
  {
    name: 'a 429 without a usable time pauses a whole window',
    params: P100x2s,
    refillPerMs: 0.045,
    state: null,
    pauseInMs: null,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), status: 429, remaining: null, resetAtSec: null }),
    expected: { shiftMs: 2000, pauseInMs: 2000, tokensAfter: null, updatedInMs: null, learnedLimitAfter: null },
  },
  {
    name: 'a lower X-RateLimit-Limit is learned',
    params: P200,
    refillPerMs: 0.018,
    state: null,
    pauseInMs: null,
    learnedLimit: null,
    feedback: (nowMs) => ({ ...ok(nowMs), limit: 150 }),
    expected: { shiftMs: 0, pauseInMs: null, tokensAfter: null, updatedInMs: null, learnedLimitAfter: 150 },
  },
  {
    name: 'an X-RateLimit-Limit at the configured allowance clears what was learned',
    params: P200,
    refillPerMs: 0.018,
    state: null,
    pauseInMs: null,
    learnedLimit: 150,
    feedback: ok,
    expected: { shiftMs: 0, pauseInMs: null, tokensAfter: null, updatedInMs: null, learnedLimitAfter: null },
  },
];
