import type { RateLimitFeedback } from '../rate-limit/rate-limiter.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

function headerValue(headers: ResponseHeaders, name: string): string | null {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? null : value.trim();
}

function nonNegativeInteger(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

/**
 * `Retry-After` in seconds from now: either delta-seconds or an HTTP date. Null when absent or
 * unparsable; a date in the past gives 0.
 *
 * @example parseRetryAfterSec('7', 0) // 7
 * @example parseRetryAfterSec('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0)) // 10
 */
export function parseRetryAfterSec(value: string | null, nowMs: number): number | null {
  if (value === null || value === '') return null;
  const seconds = nonNegativeInteger(value);
  if (seconds !== null) return seconds;
  // Only accept something that looks like an HTTP date, not whatever Date.parse tolerates.
  if (!/[A-Za-z]{3},? /.test(value)) return null;
  const atMs = Date.parse(value);
  if (Number.isNaN(atMs)) return null;
  return Math.max(0, Math.ceil((atMs - nowMs) / 1000));
}

/**
 * What a response's headers tell the rate limiter (`X-RateLimit-Limit`, `-Remaining`, `-Reset`,
 * `Retry-After`). Header names arrive lower-cased from undici.
 */
export function parseRateLimitHeaders(status: number, headers: ResponseHeaders, nowMs: number): RateLimitFeedback {
  return {
    status,
    limit: nonNegativeInteger(headerValue(headers, 'x-ratelimit-limit')),
    remaining: nonNegativeInteger(headerValue(headers, 'x-ratelimit-remaining')),
    resetAtSec: nonNegativeInteger(headerValue(headers, 'x-ratelimit-reset')),
    retryAfterSec: parseRetryAfterSec(headerValue(headers, 'retry-after'), nowMs),
  };
}
