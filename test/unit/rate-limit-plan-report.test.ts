import { describe, expect, it } from 'vitest';
import { MAX_PAUSE_MS } from '../../src/rate-limit/max-pause.js';
import { pauseUntilMs, planReport } from '../../src/rate-limit/plan-report.js';
import type { ReportInput } from '../../src/rate-limit/plan-report.js';
import type { RateLimitFeedback } from '../../src/rate-limit/rate-limiter.js';

const NOW = 1_800_000_000_000; // a whole second
const WINDOW_MS = 10_000;
const ok: RateLimitFeedback = { status: 200, limit: 200, remaining: 150, resetAtSec: NOW / 1000 + 4, retryAfterSec: null };
const refused: RateLimitFeedback = { status: 429, limit: 200, remaining: 0, resetAtSec: NOW / 1000 + 4, retryAfterSec: null };

const base: ReportInput = {
  nowMs: NOW,
  feedback: ok,
  state: null,
  pausedUntilMs: null,
  learnedLimit: null,
  allowancePerWindow: 200,
  windowMs: WINDOW_MS,
  share: 0.9,
  latencyMarginMs: 100,
};

describe('pauseUntilMs', () => {
  it('pauses until X-RateLimit-Reset after a 429', () => {
    expect(pauseUntilMs(refused, NOW, WINDOW_MS)).toBe(NOW + 4000);
  });

  it('pauses until the reset when a success says Remaining 0', () => {
    expect(pauseUntilMs({ ...ok, remaining: 0 }, NOW, WINDOW_MS)).toBe(NOW + 4000);
  });

  it('asks for no pause while requests remain', () => {
    expect(pauseUntilMs(ok, NOW, WINDOW_MS)).toBeNull();
  });

  it('caps a reset further than one window away (clock skew) at one window', () => {
    expect(pauseUntilMs({ ...refused, resetAtSec: NOW / 1000 + 30 }, NOW, WINDOW_MS)).toBe(NOW + WINDOW_MS);
  });

  it('honours a Retry-After later than the reset, up to its cap', () => {
    expect(pauseUntilMs({ ...refused, retryAfterSec: 7 }, NOW, WINDOW_MS)).toBe(NOW + 7000);
    expect(pauseUntilMs({ ...refused, retryAfterSec: 3600 }, NOW, WINDOW_MS)).toBe(NOW + MAX_PAUSE_MS);
  });

  it('waits a whole window after a 429 that gives no usable time', () => {
    expect(pauseUntilMs({ ...refused, resetAtSec: null }, NOW, WINDOW_MS)).toBe(NOW + WINDOW_MS);
    expect(pauseUntilMs({ ...refused, resetAtSec: NOW / 1000 - 1 }, NOW, WINDOW_MS)).toBe(NOW + WINDOW_MS);
  });

  it('ignores Remaining 0 from a window that has already reset', () => {
    expect(pauseUntilMs({ ...ok, remaining: 0, resetAtSec: NOW / 1000 - 1 }, NOW, WINDOW_MS)).toBeNull();
  });
});

describe('planReport', () => {
  it('freezes the bucket across the pause: refill resumes where it stopped, at the reset', () => {
    const decision = planReport({ ...base, feedback: refused, state: { tokens: 5, updatedAtMs: NOW - 100 } });
    expect(decision.pause).toMatchObject({ untilMs: NOW + 4000, shiftMs: 4000, pauseTtlMs: 4000 });
    expect(decision.pause?.state?.tokens).toBeCloseTo(5 + 0.018 * 100, 9);
    expect(decision.pause?.state?.updatedAtMs).toBe(NOW + 4000);
  });

  it('keeps reserved tokens as debt, so their schedule shifts by the pause', () => {
    const decision = planReport({ ...base, feedback: refused, state: { tokens: -3, updatedAtMs: NOW } });
    expect(decision.pause?.state).toEqual({ tokens: -3, updatedAtMs: NOW + 4000 });
  });

  it('extends a running pause only by the difference', () => {
    const decision = planReport({
      ...base,
      feedback: { ...refused, resetAtSec: NOW / 1000 + 5 },
      pausedUntilMs: NOW + 2000,
      state: { tokens: 2, updatedAtMs: NOW + 2000 },
    });
    expect(decision.pause).toMatchObject({ untilMs: NOW + 5000, shiftMs: 3000 });
    expect(decision.pause?.state).toEqual({ tokens: 2, updatedAtMs: NOW + 5000 });
  });

  it('leaves a running pause alone when the new one ends no later', () => {
    const decision = planReport({ ...base, feedback: refused, pausedUntilMs: NOW + 6000 });
    expect(decision.pause).toBeNull();
  });

  it('starts a pause without a bucket when no token was taken yet', () => {
    const decision = planReport({ ...base, feedback: refused });
    expect(decision.pause).toMatchObject({ untilMs: NOW + 4000, state: null });
  });

  it('learns an X-RateLimit-Limit lower than the configured allowance for sixty windows', () => {
    expect(planReport({ ...base, feedback: { ...ok, limit: 120 } }).learnedLimit).toEqual({
      kind: 'set',
      limit: 120,
      ttlMs: 60 * WINDOW_MS,
    });
  });

  it('forgets a learned limit once the server reports the configured allowance or more', () => {
    expect(planReport({ ...base, learnedLimit: 120, feedback: { ...ok, limit: 250 } }).learnedLimit).toEqual({ kind: 'clear' });
    expect(planReport({ ...base, feedback: { ...ok, limit: 250 } }).learnedLimit).toEqual({ kind: 'keep' });
    expect(planReport({ ...base, learnedLimit: 120, feedback: { ...ok, limit: null } }).learnedLimit).toEqual({ kind: 'keep' });
  });
});
