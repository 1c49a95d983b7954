import { describe, expect, it } from 'vitest';
import { ReportInputError, formatIsoUtcSeconds, formatRatio } from '../../src/report/index.js';
import { refRound } from '../support/report-reference.js';
import { xorshift as rng } from '../support/xorshift.js';

describe('formatRatio', () => {
  it('rounds 201/200 to 1.01 where toFixed gives 1.00', () => {
    expect((201 / 200).toFixed(2)).toBe('1.00');
    expect(formatRatio(201, 200, 2)).toBe('1.01');
  });

  it('rounds every exact tie up, at every number of decimals', () => {
    for (let decimals = 0; decimals <= 4; decimals += 1) {
      for (let k = 0; k < 50; k += 1) {
        // (2k+1) / (2·10^decimals) lies exactly halfway between two representable results.
        const n = BigInt(2 * k + 1);
        const d = 2n * 10n ** BigInt(decimals);
        expect(formatRatio(n, d, decimals)).toBe(refRound(n, d, decimals));
      }
    }
  });

  it('agrees with an independent rounding formula on 20,000 random integer ratios', () => {
    const next = rng(42);
    for (let i = 0; i < 20_000; i += 1) {
      const n = Math.floor(next() * 100_000) - 20_000;
      const d = Math.floor(next() * 3_000) - 500;
      const decimals = Math.floor(next() * 5);
      expect(formatRatio(n, d, decimals) ?? '').toBe(refRound(n, d, decimals));
    }
  });

  it('gives an empty cell (null) for a zero denominator', () => {
    expect(formatRatio(5, 0, 2)).toBeNull();
    expect(formatRatio(0, 0, 4)).toBeNull();
  });

  it('rounds negative ties away from zero and never writes -0', () => {
    expect(formatRatio(-2345, 1000, 2)).toBe('-2.35');
    expect(formatRatio(2345, -1000, 2)).toBe('-2.35');
    expect(formatRatio(-1, 1000, 2)).toBe('0.00');
    expect(formatRatio(-4, 1000, 2)).toBe('0.00');
  });

  it('stays exact beyond 2^53', () => {
    const big = 2n ** 60n + 1n;
    expect(formatRatio(big, 1n, 2)).toBe(`${big}.00`);
    expect(formatRatio(big, 2n, 0)).toBe(((big + 1n) / 2n).toString());
  });

  it('refuses fractional inputs and bad decimals', () => {
    expect(() => formatRatio(1.5, 2, 2)).toThrow(ReportInputError);
    expect(() => formatRatio(1, 2, -1)).toThrow(ReportInputError);
    expect(() => formatRatio(1, 2, 2.5)).toThrow(ReportInputError);
  });
});

describe('formatIsoUtcSeconds', () => {
  it('writes UTC with Z at seconds precision', () => {
    expect(formatIsoUtcSeconds(0)).toBe('1970-01-01T00:00:00Z');
    const sec = Date.UTC(2026, 9, 31, 23, 59, 59) / 1000;
    expect(formatIsoUtcSeconds(sec)).toBe(`${new Date(sec * 1000).toISOString().slice(0, 19)}Z`);
  });
});
