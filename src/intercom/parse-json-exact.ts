/**
 * JSON.parse without silent rounding. `JSON.parse` turns every number into a double, so an integer
 * beyond 2^53 (a monetary amount in minor units, an old integer id) comes out as a different integer,
 * and two distinct ids can come out equal. Here an integer literal beyond the safe range becomes a
 * bigint holding its exact value, and a non-integer literal that a double would round to an integer
 * becomes an `InexactNumber`. Everything else is what `JSON.parse` gives, errors included
 * (a SyntaxError for text that is not JSON).
 *
 * Bodies without a long number literal or an exponent (nearly all) go straight to `JSON.parse`: a
 * literal of at most 15 digits round-trips through a double exactly, so the slow path cannot change
 * its value.
 *
 * Weighed against lossless-json (issue 12), which reads big integers and `__proto__` just as well: it
 * refuses a repeated key (JSON.parse, and so every body the fast path reads, keeps the last), recurses
 * without a bound (a deep body overflows the stack instead of failing as not JSON), and the rule that
 * turns a literal into a number, a bigint or an InexactNumber (readNumber) would stay ours anyway.
 */
import { InexactNumber } from './inexact-number.js';

/** A number token (after `:`, `,`, `[` or the start) with 16+ digits and dots, or an exponent. Strings may match too: that only costs time. */
const MAY_ROUND = /(?:^|[:,[])\s*-?(?:\d[\d.]{15}|[\d.]+[eE])/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?/y;
/** Integers with more digits than this are refused (InexactNumber) rather than built: `1e999999999` must not cost a gigabyte. */
const MAX_INTEGER_DIGITS = 1000;
const MAX_DEPTH = 1000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * @example
 * parseJsonExact('{"amount": 123456789012345678901}'); // { amount: 123456789012345678901n }
 * parseJsonExact('{"amount": 100.0}'); // { amount: 100 }
 */
export function parseJsonExact(text: string): unknown {
  if (!MAY_ROUND.test(text)) return JSON.parse(text);
  let at = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} in JSON at position ${at}`);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at += 1;
      else return;
    }
  };

  const readString = (): string => {
    const start = at;
    at += 1;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c)) fail('Unterminated string');
      if (c === 0x22) break;
      at += c === 0x5c ? 2 : 1;
    }
    at += 1;
    // JSON.parse checks the escapes and control characters of the literal for us.
    return JSON.parse(text.slice(start, at)) as string;
  };

  const readNumber = (): number | bigint | InexactNumber => {
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (match === null) return fail(`Unexpected token ${JSON.stringify(text[at] ?? '')}`);
    const literal = match[0];
    at += literal.length;
    const fraction = match[1] ?? '';
    const exponent = match[2];
    if (fraction === '' && exponent === undefined) {
      if (literal.length <= 15) return Number(literal);
      const exact = BigInt(literal);
      return exact <= MAX_SAFE && exact >= -MAX_SAFE ? Number(exact) : exact;
    }
    const negative = literal.startsWith('-');
    const intDigits = literal.slice(negative ? 1 : 0).split(/[.eE]/)[0]!;
    let digits = (intDigits + fraction).replace(/^0+/, '');
    if (digits === '') return Number(literal);
    let scale = (exponent === undefined ? 0 : Number(exponent)) - fraction.length;
    const trimmed = digits.replace(/0+$/, '');
    scale += digits.length - trimmed.length;
    digits = trimmed;
    if (scale < 0) {
      const rounded = Number(literal);
      return Number.isInteger(rounded) ? new InexactNumber(literal) : rounded;
    }
    if (digits.length + scale > MAX_INTEGER_DIGITS) return new InexactNumber(literal);
    const exact = BigInt(digits + '0'.repeat(scale)) * (negative ? -1n : 1n);
    return exact <= MAX_SAFE && exact >= -MAX_SAFE ? Number(exact) : exact;
  };

  const readValue = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('Nesting too deep');
    skipSpace();
    const c = text.charCodeAt(at);
    if (c === 0x22) return readString();
    if (c === 0x7b) {
      at += 1;
      const out: Record<string, unknown> = {};
      skipSpace();
      if (text.charCodeAt(at) === 0x7d) {
        at += 1;
        return out;
      }
      for (;;) {
        skipSpace();
        if (text.charCodeAt(at) !== 0x22) fail('Expected a property name');
        const key = readString();
        skipSpace();
        if (text.charCodeAt(at) !== 0x3a) fail("Expected ':'");
        at += 1;
        const value = readValue(depth + 1);
        // An own "__proto__" property, as JSON.parse makes it: assignment would replace the prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
        else out[key] = value;
        skipSpace();
        const next = text.charCodeAt(at);
        at += 1;
        if (next === 0x7d) return out;
        if (next !== 0x2c) fail("Expected ',' or '}'");
      }
    }
    if (c === 0x5b) {
      at += 1;
      const out: unknown[] = [];
      skipSpace();
      if (text.charCodeAt(at) === 0x5d) {
        at += 1;
        return out;
      }
      for (;;) {
        out.push(readValue(depth + 1));
        skipSpace();
        const next = text.charCodeAt(at);
        at += 1;
        if (next === 0x5d) return out;
        if (next !== 0x2c) fail("Expected ',' or ']'");
      }
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    return readNumber();
  };

  const value = readValue(0);
  skipSpace();
  if (at < text.length) fail('Unexpected non-whitespace character after JSON');
  return value;
}
