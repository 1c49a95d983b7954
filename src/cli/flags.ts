import { UsageError } from './cli-errors.js';

/** Option values by flag name (without the dashes); repeatable flags (--select) are lists. */
export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

/** A string flag's value, if given. */
export function strFlag(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable flag's values ([] when not given). */
export function listFlag(flags: ParsedFlags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A whole number flag, or a UsageError naming the flag. */
export function intFlag(flags: ParsedFlags, name: string, fallback: number, min = 0): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} must be a whole number >= ${min} (got ${JSON.stringify(raw)})`);
  }
  return n;
}
