/**
 * What the report keeps about one contact: per month, only what the figures need. Plain JSON (no
 * Map, Set or bigint), so the distributed run can store it in Redis between stages.
 */

/** Per event name in a month: [events, first created_at, last created_at] (Unix seconds). */
export type NameStats = [events: number, firstSec: number, lastSec: number];

/**
 * Per (event name, metadata key, currency) in a month: [sum of amounts in minor units, events that
 * contributed]. The sum is a number while it is a safe integer and a decimal integer string beyond
 * (JSON has no bigint). Keyed by `amountKey(eventName, metadataKey, currency)`.
 */
export type AmountStats = [amountMinor: number | string, events: number];

export interface ContactMonthStats {
  /** events_M(u): distinct events in the month (>= 1: months without events are absent). */
  events: number;
  /** active_days_M(u): distinct local calendar dates of those events. */
  activeDays: number;
  names: Record<string, NameStats>;
  amounts: Record<string, AmountStats>;
}

export interface ContactStats {
  /** Keyed `YYYY-MM`; a month of the run's windows without events is absent. */
  months: Record<string, ContactMonthStats>;
}

/**
 * The key of an amount group: length-prefixed parts, unambiguous whatever characters they contain,
 * and starting with a digit, so never a name Object.prototype uses.
 *
 * @example amountKey('order', 'price', 'eur'); // "5:order5:priceeur"
 */
export function amountKey(eventName: string, metadataKey: string, currency: string): string {
  return `${eventName.length}:${eventName}${metadataKey.length}:${metadataKey}${currency}`;
}

export function parseAmountKey(key: string): [eventName: string, metadataKey: string, currency: string] {
  const nameColon = key.indexOf(':');
  const nameEnd = nameColon + 1 + Number(key.slice(0, nameColon));
  const keyColon = key.indexOf(':', nameEnd);
  const keyEnd = keyColon + 1 + Number(key.slice(nameEnd, keyColon));
  return [key.slice(nameColon + 1, nameEnd), key.slice(keyColon + 1, keyEnd), key.slice(keyEnd)];
}

/** Adds two amount sums exactly, staying a number while the result is a safe integer. */
export function addAmounts(a: number | string | bigint, b: number | string | bigint): number | string {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum) && Number.isSafeInteger(a) && Number.isSafeInteger(b)) return sum;
  }
  const exact = BigInt(a) + BigInt(b);
  return exact >= BigInt(Number.MIN_SAFE_INTEGER) && exact <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(exact) : exact.toString();
}
