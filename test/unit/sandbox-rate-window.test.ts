import { describe, expect, it } from 'vitest';
import { createRateWindow, SandboxError } from '../../src/sandbox/index.js';

describe('createRateWindow (fixed)', () => {
  it('admits the allowance, then refuses, until the aligned window ends', () => {
    const w = createRateWindow({ allowancePerWindow: 3, windowSeconds: 10 });
    const t0 = 1_700_000_003_000; // 3 s into the window starting at 1_700_000_000
    expect([0, 1, 2].map((i) => w.admit(t0 + i).allowed)).toEqual([true, true, true]);
    const refused = w.admit(t0 + 3);
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, resetSec: 1_700_000_010 });
    expect(w.admit(1_700_000_009_999).allowed).toBe(false);
    expect(w.admit(1_700_000_010_000)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSec: 1_700_000_020 });
  });

  it('counts down remaining with each admitted request', () => {
    const w = createRateWindow({ allowancePerWindow: 5 });
    expect([1, 2, 3].map(() => w.admit(20_000).remaining)).toEqual([4, 3, 2]);
  });
});

describe('createRateWindow (sliding)', () => {
  it('frees a slot when the oldest request leaves the last windowSeconds', () => {
    const w = createRateWindow({ allowancePerWindow: 2, windowSeconds: 10, mode: 'sliding' });
    expect(w.admit(1_000).allowed).toBe(true);
    expect(w.admit(6_000).allowed).toBe(true);
    const refused = w.admit(9_000);
    expect(refused.allowed).toBe(false);
    expect(refused.resetSec).toBe(11); // the request at 1 s leaves at 11 s
    // The refused request at 9 s counts too: at 11.5 s the window holds 6 s and 9 s.
    expect(w.admit(11_500).allowed).toBe(false);
    // At 19.5 s both 6 s and 9 s have left: the window holds 11.5 s and this one.
    expect(w.admit(19_500)).toEqual({ allowed: true, limit: 2, remaining: 0, resetSec: 22 });
  });

  it('refuses across an aligned boundary where a fixed window would admit', () => {
    const sliding = createRateWindow({ allowancePerWindow: 2, windowSeconds: 10, mode: 'sliding' });
    const fixed = createRateWindow({ allowancePerWindow: 2, windowSeconds: 10, mode: 'fixed' });
    for (const w of [sliding, fixed]) {
      w.admit(8_000);
      w.admit(9_000);
    }
    expect(fixed.admit(10_500).allowed).toBe(true);
    expect(sliding.admit(10_500).allowed).toBe(false);
  });
});

describe('createRateWindow options', () => {
  it('refuses a zero allowance with a typed error', () => {
    expect(() => createRateWindow({ allowancePerWindow: 0 })).toThrow(SandboxError);
  });
});
