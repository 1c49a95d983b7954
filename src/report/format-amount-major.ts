/**
 * `amount_major` (METRICS.md, cohort_amounts.csv): a sum in minor units written in the currency's
 * major unit with exactly the fraction digits the runtime's Intl (CLDR) gives the currency. Pure
 * string arithmetic on the decimal integer, so it is exact at any size.
 */
import { ReportInputError } from './errors.js';

let supported: ReadonlySet<string> | undefined;
const digitsByCode = new Map<string, number>();

/**
 * The currency's fraction digits, or null when the upper-cased code is not one Intl knows.
 *
 * @example currencyDigits('jpy'); // 0
 */
export function currencyDigits(currency: string): number | null {
  const code = currency.toUpperCase();
  supported ??= new Set(Intl.supportedValuesOf('currency'));
  if (!supported.has(code)) return null;
  let digits = digitsByCode.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCode.set(code, digits);
  }
  return digits;
}

/**
 * @example
 * formatAmountMajor('12345', 'usd'); // "123.45"
 * formatAmountMajor('-5', 'bhd'); // "-0.005"
 * formatAmountMajor('166', 'jpy'); // "166"
 * formatAmountMajor('10', 'xyz1'); // null
 */
export function formatAmountMajor(amountMinor: string, currency: string): string | null {
  if (!/^-?\d+$/.test(amountMinor)) throw new ReportInputError(`amount must be a decimal integer, got ${JSON.stringify(amountMinor)}`);
  const digits = currencyDigits(currency);
  if (digits === null) return null;
  const negative = amountMinor.startsWith('-');
  const magnitude = (negative ? amountMinor.slice(1) : amountMinor).replace(/^0+(?=\d)/, '');
  const padded = magnitude.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits);
  const fraction = digits > 0 ? `.${padded.slice(padded.length - digits)}` : '';
  const zero = /^0+$/.test(magnitude);
  return `${negative && !zero ? '-' : ''}${whole}${fraction}`;
}
