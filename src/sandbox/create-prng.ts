/**
 * A small seeded PRNG (mulberry32 over a splitmix32-scrambled seed): fast, and the same sequence on
 * every platform, which is all the sandbox needs. Not for anything secret.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `digits` lowercase hex characters. */
  hex(digits: number): string;
}

const HEX = '0123456789abcdef';

function scramble(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * @example
 * const a = createPrng(7), b = createPrng(7);
 * a.next() === b.next(); // true
 */
export function createPrng(seed: number): Prng {
  // Seeds beyond 32 bits still matter: fold the high part in.
  let state = scramble((seed >>> 0) ^ scramble(Math.floor(seed / 2 ** 32)));
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    hex: (digits) => {
      let out = '';
      for (let i = 0; i < digits; i += 1) out += HEX[Math.floor(next() * 16)];
      return out;
    },
  };
}
