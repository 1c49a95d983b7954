/**
 * Intercom's Monetary Amount metadata: an object with an integer `amount` in minor units and a string
 * `currency`. Anything else (a string amount, a fractional amount, a numeric currency, a missing
 * field) is not money and is ignored, as METRICS.md defines.
 */

export interface MonetaryAmount {
  /**
   * A number when a safe integer, else a bigint holding the exact value (the client parses bodies
   * with parseJsonExact, which gives integers beyond 2^53 as bigints).
   */
  amountMinor: number | bigint;
  /** Lower-cased (locale-independent `toLowerCase`). */
  currency: string;
}

/**
 * @example
 * readMonetaryAmount({ amount: 1999, currency: 'EUR' }); // { amountMinor: 1999, currency: 'eur' }
 * readMonetaryAmount({ amount: '19.99', currency: 'eur' }); // null
 */
export function readMonetaryAmount(value: unknown): MonetaryAmount | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  if (typeof currency !== 'string') return null;
  if (typeof amount === 'bigint') return { amountMinor: amount, currency: currency.toLowerCase() };
  if (typeof amount !== 'number' || !Number.isInteger(amount)) return null;
  return { amountMinor: Number.isSafeInteger(amount) ? amount : BigInt(amount), currency: currency.toLowerCase() };
}
