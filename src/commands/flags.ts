import { UsageError } from '../cli-errors.js';

export type ParsedFlags = Record<string, string | boolean | undefined>;

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
