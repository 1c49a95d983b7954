import { describe, expect, it } from 'vitest';
import { planTake } from '../../src/rate-limit/plan-take.js';
import type { TakeInput } from '../../src/rate-limit/plan-take.js';

// 200 per 10 s at 90%, 100 ms margin: r = 0.018 tokens/ms, B = 18.2, horizon 1000 ms (see bucketShape).
const NOW = 1_800_000_000_000;
const base: TakeInput = {
  nowMs: NOW,
  state: null,
  pausedUntilMs: null,
  learnedLimit: null,
  allowancePerWindow: 200,
  windowMs: 10_000,
  share: 0.9,
  latencyMarginMs: 100,
};

function granted(input: TakeInput) {
  const decision = planTake(input);
  if (decision.kind !== 'granted') throw new Error(`expected a grant, got ${decision.kind}`);
  return decision;
}

describe('planTake', () => {
  it('starts a new bucket full and grants at once', () => {
    const decision = granted(base);
    expect(decision.waitMs).toBe(0);
    expect(decision.state.tokens).toBeCloseTo(17.2, 9);
    expect(decision.state.updatedAtMs).toBe(NOW);
  });

  it('refills at the rate for the time elapsed', () => {
    const decision = granted({ ...base, state: { tokens: 0, updatedAtMs: NOW - 1000 } });
    expect(decision.state.tokens).toBeCloseTo(0.018 * 1000 - 1, 9);
  });

  it('never refills beyond the capacity', () => {
    const decision = granted({ ...base, state: { tokens: 3, updatedAtMs: NOW - 3_600_000 } });
    expect(decision.state.tokens).toBeCloseTo(17.2, 9);
  });

  it('reserves a token due within the horizon and says when it is due', () => {
    const decision = granted({ ...base, state: { tokens: 0.5, updatedAtMs: NOW } });
    expect(decision.waitMs).toBe(Math.ceil(0.5 / 0.018));
    expect(decision.state.tokens).toBeCloseTo(-0.5, 9);
  });

  it('refuses a token beyond the horizon and says when a reservation becomes possible', () => {
    // 21 tokens short: due in 1166.7 ms, 166.7 ms beyond the horizon.
    const decision = planTake({ ...base, state: { tokens: -20, updatedAtMs: NOW } });
    expect(decision).toMatchObject({ kind: 'retry', waitMs: Math.ceil(Math.ceil(21 / 0.018) - 1000) });
  });

  it('answers paused with the time left while a pause runs', () => {
    expect(planTake({ ...base, pausedUntilMs: NOW + 500 })).toMatchObject({ kind: 'paused', waitMs: 500 });
  });

  it('ignores a pause that has ended', () => {
    expect(planTake({ ...base, pausedUntilMs: NOW - 1 }).kind).toBe('granted');
  });

  it('waits for a frozen bucket to thaw before counting its refill', () => {
    const decision = granted({ ...base, state: { tokens: 0, updatedAtMs: NOW + 200 } });
    expect(decision.waitMs).toBe(Math.ceil(200 + 1 / 0.018));
    expect(decision.state.updatedAtMs).toBe(NOW + 200);
  });

  it('shrinks the bucket to a lower learned limit at once', () => {
    // allowance 100: r = 0.009, B = 100 − 0.009 · 10,100 = 9.1; a full old bucket holds 18.2.
    const decision = granted({ ...base, learnedLimit: 100, state: { tokens: 18.2, updatedAtMs: NOW } });
    expect(decision.allowancePerWindow).toBe(100);
    expect(decision.state.tokens).toBeCloseTo(8.1, 9);
  });

  it('uses the limits passed with the call, whatever was used before', () => {
    const state = { tokens: 0, updatedAtMs: NOW - 100 };
    expect(granted({ ...base, state }).waitMs).toBe(0); // 1.8 tokens at r = 0.018
    expect(granted({ ...base, allowancePerWindow: 100, state }).waitMs).toBe(Math.ceil(0.1 / 0.009)); // 0.9 at r = 0.009
  });

  it('keeps the bucket until it would be full again, plus a window', () => {
    const decision = granted(base);
    expect(decision.ttlMs).toBe(Math.ceil(1 / 0.018 + 10_000));
  });
});
