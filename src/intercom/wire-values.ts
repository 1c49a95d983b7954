/**
 * The building blocks of the body parsers (see wire-schemas.ts for the rules they apply): a parser
 * from a zod schema that names the fields that were wrong, never their values, and the readers of
 * ids and Unix-second timestamps every list shares.
 */
import { z } from 'zod';

export type BodyParse<T> = { ok: true; value: T } | { ok: false; problem: string };
export type BodyParser<T> = (json: unknown) => BodyParse<T>;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path
      .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
      .join('');
    return `${path || '(body)'}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}

export function parserOf<T>(schema: z.ZodType<T>): BodyParser<T> {
  return (json) => {
    const result = schema.safeParse(json);
    return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error.issues) };
  };
}

/** Values from here up are milliseconds (see wire-schemas.ts). */
export const MILLISECONDS_FROM = 1e11;
/** Values from here up are in no unit that can be told. */
export const UNREADABLE_TIME_FROM = 1e14;

/** An id as a string, or null when the value is none (see wire-schemas.ts for what is accepted). */
export function readId(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'bigint' && value >= 0n) return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return null;
}

export const id = z.unknown().transform((value, ctx): string => {
  const read = readId(value);
  if (read !== null) return read;
  ctx.addIssue({ code: 'custom', message: `expected a non-empty string or a non-negative integer id, received ${describeType(value)}` });
  return z.NEVER;
});

function readUnixSeconds(value: unknown, ctx: z.core.$RefinementCtx, optional: boolean): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < UNREADABLE_TIME_FROM) {
    return Math.floor(value >= MILLISECONDS_FROM ? value / 1000 : value);
  }
  if (optional && (value === null || value === undefined)) return null;
  const why =
    typeof value === 'number' || typeof value === 'bigint'
      ? value < 0
        ? 'a negative time'
        : 'a number too large to be Unix seconds or milliseconds'
      : describeType(value);
  ctx.addIssue({ code: 'custom', message: `expected Unix seconds, received ${why}` });
  return z.NEVER;
}

export const unixSeconds = z.unknown().transform((value, ctx): number => readUnixSeconds(value, ctx, false)!);
export const optionalUnixSeconds = z.unknown().transform((value, ctx): number | null => readUnixSeconds(value, ctx, true));

export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fraction';
  if (typeof value === 'number' && value < 0) return 'a negative number';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The `pages` of a search answer (contacts, conversations): the cursor to the next page is in `next`. */
export const searchPages = z
  .object({
    page: z.number().int().nullish(),
    total_pages: z.number().int().nullish(),
    next: z.object({ starting_after: z.string().nullish() }).nullish(),
  })
  .nullish();
