/**
 * Exact decimal formatting of a ratio of integers, rounded half up (METRICS.md, "Rounding").
 * Binary floating point cannot do this: (1.005).toFixed(2) is "1.00", and 201/200 is not exactly 1.005.
 */
import { ReportInputError } from './errors.js';

function toBigInt(value: number | bigint, label: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) throw new ReportInputError(`formatRatio: ${label} must be an integer, got ${value}`);
  return BigInt(value);
}

/**
 * numerator / denominator with `decimals` digits after the point, ties rounded half up — away from
 * zero for negative ratios (-2.345 → "-2.35"), so a figure and its negation round alike. A result
 * that rounds to zero has no sign. Returns null (an empty cell) when the denominator is 0.
 *
 * @example
 * formatRatio(201, 200, 2); // "1.01"
 * formatRatio(2, 3, 4); // "0.6667"
 * formatRatio(5, 0, 2); // null
 */
export function formatRatio(numerator: number | bigint, denominator: number | bigint, decimals: number): string | null {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    throw new ReportInputError(`formatRatio: decimals must be an integer from 0 to 20, got ${decimals}`);
  }
  const n = toBigInt(numerator, 'numerator');
  const d = toBigInt(denominator, 'denominator');
  if (d === 0n) return null;
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  const scaled = absN * 10n ** BigInt(decimals);
  let quotient = scaled / absD;
  if ((scaled % absD) * 2n >= absD) quotient += 1n;
  const negative = quotient !== 0n && n < 0n !== d < 0n;
  const digits = quotient.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
