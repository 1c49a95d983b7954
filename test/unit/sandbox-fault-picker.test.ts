import { describe, expect, it } from 'vitest';
import { createFaultPicker, SandboxError, type FaultDecision } from '../../src/sandbox/index.js';

const draw = (n: number, faults: Parameters<typeof createFaultPicker>[0]): FaultDecision[] => {
  const picker = createFaultPicker(faults);
  return Array.from({ length: n }, () => picker.next());
};

describe('createFaultPicker', () => {
  it('injects nothing by default', () => {
    expect(draw(200, {}).every((d) => d.kind === 'none')).toBe(true);
  });

  it('repeats the same decisions for the same seed and differs for another', () => {
    const faults = { seed: 9, serverErrorRate: 0.1, dropRate: 0.1, nonJsonRate: 0.1, slowRate: 0.1 };
    expect(draw(300, faults)).toEqual(draw(300, faults));
    expect(draw(300, { ...faults, seed: 10 })).not.toEqual(draw(300, faults));
  });

  it('answers 429 bursts from every nth request for `length` requests', () => {
    const decisions = draw(35, { burst429: { everyNthRequest: 10, length: 3 } });
    const burstNumbers = decisions.flatMap((d, i) => (d.kind === 'burst429' ? [i + 1] : []));
    expect(burstNumbers).toEqual([10, 11, 12, 20, 21, 22, 30, 31, 32]);
  });

  it('injects each kind at roughly its rate over many requests', () => {
    const n = 20_000;
    const decisions = draw(n, { seed: 5, serverErrorRate: 0.1, slowRate: 0.05, dropRate: 0.02, nonJsonRate: 0.03 });
    const share = (kind: FaultDecision['kind']): number => decisions.filter((d) => d.kind === kind).length / n;
    expect(share('serverError')).toBeCloseTo(0.1, 1);
    expect(share('slow')).toBeCloseTo(0.05, 1);
    expect(share('drop')).toBeCloseTo(0.02, 1);
    expect(share('nonJson')).toBeCloseTo(0.03, 1);
    const statuses = new Set(decisions.flatMap((d) => (d.kind === 'serverError' ? [d.status] : [])));
    expect(statuses).toEqual(new Set([500, 502, 503]));
    expect(decisions.some((d) => d.kind === 'serverError' && d.html)).toBe(true);
    expect(decisions.some((d) => d.kind === 'serverError' && !d.html)).toBe(true);
  });

  it('knows the vanished contacts', () => {
    const picker = createFaultPicker({ vanishContactIds: ['a'] });
    expect([picker.isVanished('a'), picker.isVanished('b')]).toEqual([true, false]);
  });

  it('refuses rates that add up to more than 1', () => {
    expect(() => createFaultPicker({ serverErrorRate: 0.6, dropRate: 0.6 })).toThrow(SandboxError);
  });
});
