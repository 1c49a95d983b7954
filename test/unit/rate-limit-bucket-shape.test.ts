import { describe, expect, it } from 'vitest';
import { bucketShape, effectiveAllowance } from '../../src/rate-limit/bucket-shape.js';

describe('bucketShape', () => {
  it('refills at the configured share and keeps the rest of the allowance, less the margin, as burst', () => {
    // 200 per 10 s at 90%: r = 180 / 10,000 ms; B = 200 − r · (10,000 + 100) = 200 − 181.8.
    const shape = bucketShape({ allowancePerWindow: 200, windowMs: 10_000, share: 0.9, latencyMarginMs: 100 });
    expect(shape.refillPerMs).toBeCloseTo(0.018, 12);
    expect(shape.capacity).toBeCloseTo(18.2, 9);
    expect(shape.reserveHorizonMs).toBe(1000);
  });

  it('lowers the rate rather than the burst below one token when the share leaves no room', () => {
    // share 1 would give B = 100 − 100 · 1.1 < 1: the rate becomes (A − 1) / (W + J) instead.
    const shape = bucketShape({ allowancePerWindow: 100, windowMs: 1000, share: 1, latencyMarginMs: 100 });
    expect(shape.refillPerMs).toBeCloseTo(99 / 1100, 12);
    expect(shape.capacity).toBeCloseTo(1, 9);
  });

  it('keeps the burst plus one window and margin of refill within the allowance for any settings', () => {
    for (const allowancePerWindow of [1, 2, 3, 5, 10, 50, 167, 200, 1666, 10_000]) {
      for (const windowMs of [1000, 2000, 10_000]) {
        for (const share of [0.1, 0.5, 0.9, 0.95, 1]) {
          for (const latencyMarginMs of [0, 100, 500]) {
            const { capacity, refillPerMs } = bucketShape({ allowancePerWindow, windowMs, share, latencyMarginMs });
            const mostGrants = Math.floor(capacity + refillPerMs * (windowMs + latencyMarginMs) + 1e-9);
            expect(capacity).toBeGreaterThanOrEqual(1);
            expect(refillPerMs).toBeGreaterThan(0);
            expect(refillPerMs).toBeLessThanOrEqual((share * allowancePerWindow) / windowMs + 1e-12);
            expect(mostGrants, `${allowancePerWindow}/${windowMs}ms share ${share} margin ${latencyMarginMs}`).toBeLessThanOrEqual(
              allowancePerWindow,
            );
          }
        }
      }
    }
  });

  it('caps the reservation horizon at a quarter window and at one second', () => {
    expect(bucketShape({ allowancePerWindow: 10, windowMs: 2000, share: 0.9, latencyMarginMs: 0 }).reserveHorizonMs).toBe(500);
    expect(bucketShape({ allowancePerWindow: 10, windowMs: 60_000, share: 0.9, latencyMarginMs: 0 }).reserveHorizonMs).toBe(1000);
  });
});

describe('effectiveAllowance', () => {
  it('takes a learned limit only when it is lower than the configured allowance', () => {
    expect(effectiveAllowance(200, 150)).toBe(150);
    expect(effectiveAllowance(200, 500)).toBe(200);
    expect(effectiveAllowance(200, null)).toBe(200);
    expect(effectiveAllowance(200, 0)).toBe(200);
  });
});
