/**
 * parseJsonExact, the client's body parser: the same value as JSON.parse for every body, except that
 * no number literal is silently rounded — integers beyond 2^53 come out as exact bigints, and a
 * non-integer a double would round to an integer comes out as an InexactNumber. Checked against
 * JSON.parse on seeded random documents (which take the slow path once they hold a long number) and
 * on a corpus of broken texts, which must fail exactly when JSON.parse fails.
 */
import { describe, expect, it } from 'vitest';
import { InexactNumber } from '../../src/intercom/inexact-number.js';
import { parseJsonExact } from '../../src/intercom/parse-json-exact.js';
import { createPrng, type Prng } from '../../src/sandbox/index.js';

const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'line\nbreak\ttab', '\u0000nul', 'é 🚀 \u200F', '__proto__', '1e5', '12345678901234567890', ':[,'];

function randomValue(rng: Prng, depth: number): unknown {
  const kind = rng.int(0, depth > 3 ? 4 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.int(-1_000_000, 1_000_000);
    case 3:
      return rng.int(-1e6, 1e6) / 64;
    case 4:
      return STRINGS[rng.int(0, STRINGS.length - 1)];
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i -= 1) {
        const value = randomValue(rng, depth + 1);
        Object.defineProperty(out, STRINGS[rng.int(0, STRINGS.length - 1)]!, { value, writable: true, enumerable: true, configurable: true });
      }
      return out;
    }
  }
}

/** A JSON text of `value`, with insignificant whitespace sprinkled in and, sometimes, a long safe number. */
function randomText(rng: Prng, value: unknown): string {
  const text = JSON.stringify({ v: value, pad: rng.chance(0.5) ? 1234567890123456 : 1 }, null, rng.chance(0.5) ? 2 : undefined);
  return rng.chance(0.3) ? ` \r\n\t${text}\n ` : text;
}

describe('parseJsonExact', () => {
  it('gives what JSON.parse gives for 3,000 random documents, through the fast and the exact path', () => {
    const rng = createPrng(42);
    for (let i = 0; i < 3000; i += 1) {
      const text = randomText(rng, randomValue(rng, 0));
      expect(parseJsonExact(text), text).toEqual(JSON.parse(text));
    }
  });

  it('keeps integers beyond 2^53 exact, as bigints, and two neighbours apart', () => {
    expect(parseJsonExact('[9007199254740992, 9007199254740993, -9007199254740993, 123456789012345678901234567890]')).toEqual([
      2n ** 53n,
      2n ** 53n + 1n,
      -(2n ** 53n + 1n),
      123456789012345678901234567890n,
    ]);
    expect(JSON.parse('[9007199254740992, 9007199254740993]')).toEqual([2 ** 53, 2 ** 53]);
  });

  it('reads integers written with a fraction of zeros or an exponent at their exact value', () => {
    expect(parseJsonExact('[100.0, 1e3, 1.5e1, 1e23, -2.50e1, 0.0, 1234567890123456.000]')).toEqual([100, 1000, 15, 10n ** 23n, -25, 0, 1234567890123456]);
    // A double cannot hold 10^23: JSON.parse gives 99999999999999991611392.
    expect(BigInt(JSON.parse('1e23') as number)).not.toBe(10n ** 23n);
  });

  it('never turns a non-integer into an integer: rounded literals become InexactNumber, others stay numbers', () => {
    const [a, b, c, d, e] = parseJsonExact('[1.0000000000000000001, 12345678901234567890.5, 1e-400, 19.5, 0.1234567890123456789]') as unknown[];
    expect(a).toEqual(new InexactNumber('1.0000000000000000001'));
    expect(b).toEqual(new InexactNumber('12345678901234567890.5'));
    expect(c).toEqual(new InexactNumber('1e-400'));
    expect([d, e]).toEqual([19.5, 0.1234567890123456789]);
  });

  it('refuses to build a gigantic integer from a tiny literal', () => {
    expect(parseJsonExact('[1e999999999]')).toEqual([new InexactNumber('1e999999999')]);
  });

  it('keeps "__proto__" an own key, as JSON.parse does, without touching the prototype', () => {
    const value = parseJsonExact('{"__proto__": {"amount": 12345678901234567890}, "a": 1}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ amount: 12345678901234567890n });
  });

  it('takes the last of a repeated key, as JSON.parse does, on the exact path too', () => {
    expect(parseJsonExact('{"id": 1, "id": 12345678901234567890}')).toEqual({ id: 12345678901234567890n });
    expect(parseJsonExact('{"id": 12345678901234567890, "id": 2}')).toEqual(JSON.parse('{"id": 1, "id": 2}'));
  });

  it('refuses a hostile nesting depth with a SyntaxError, not a stack overflow', () => {
    const deep = `[${'['.repeat(100_000)}1e5${']'.repeat(100_000)}]`;
    expect(() => parseJsonExact(deep)).toThrow(SyntaxError);
  });

  it('fails on exactly the texts JSON.parse fails on', () => {
    const broken = [
      '', ' ', '{', '}', '[1,]', '[1 2]', '{"a" 1}', '{"a":1,}', '{a:1}', "{'a':1}", '"abc', '"\\x"', '"a\u0001"', '[01234567890123456]', '[1.]',
      '[.5]', '[-]', '[1e]', '[1e+]', '[+1]', '[1234567890123456] x', 'tru', 'nul', '[NaN]', '[Infinity]', '{"a":1}}', '[1234567890123456,,1]',
      '{"a":12345678901234567890', '["\\ud800"', '[1234567890123456e]',
      // The same faults beside a number with an exponent, so the exact path (not JSON.parse) reads them.
      '[1e5 "x"]', '{"a":1e5,}', '{"a":1e5 "b":2}', '["a\u0001", 1e5]', '["\\x", 1e5]', '[1e5, tru]', '{1e5:1}', '[1e5', '[1e5]]', '{"a":[1e5}',
    ];
    for (const text of broken) {
      let jsonFails = false;
      try {
        JSON.parse(text);
      } catch {
        jsonFails = true;
      }
      expect(jsonFails, text).toBe(true);
      expect(() => parseJsonExact(text), text).toThrow(SyntaxError);
    }
  });
});
