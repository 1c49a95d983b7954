import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, parseRetryAfterSec } from '../../src/intercom/parse-rate-limit-headers.js';

describe('parseRetryAfterSec', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfterSec('7', 0)).toBe(7);
    expect(parseRetryAfterSec('0', 0)).toBe(0);
  });

  it('reads an HTTP date relative to now, rounding up', () => {
    const atMs = Date.UTC(2015, 9, 21, 7, 28, 10);
    const header = new Date(atMs).toUTCString();
    expect(parseRetryAfterSec(header, atMs - 10_000)).toBe(10);
    expect(parseRetryAfterSec(header, atMs - 9_500)).toBe(10);
  });

  it('gives 0 for a date in the past and null for junk', () => {
    expect(parseRetryAfterSec(new Date(0).toUTCString(), 5_000)).toBe(0);
    expect(parseRetryAfterSec('soon', 0)).toBeNull();
    expect(parseRetryAfterSec('-3', 0)).toBeNull();
    expect(parseRetryAfterSec('1.5', 0)).toBeNull();
    expect(parseRetryAfterSec(null, 0)).toBeNull();
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads the X-RateLimit headers and Retry-After', () => {
    const feedback = parseRateLimitHeaders(
      429,
      { 'x-ratelimit-limit': '167', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1767225610', 'retry-after': '3' },
      0,
    );
    expect(feedback).toEqual({ status: 429, limit: 167, remaining: 0, resetAtSec: 1767225610, retryAfterSec: 3 });
  });

  it('gives null for absent or unparsable headers', () => {
    expect(parseRateLimitHeaders(200, { 'x-ratelimit-limit': 'many' }, 0)).toEqual({
      status: 200,
      limit: null,
      remaining: null,
      resetAtSec: null,
      retryAfterSec: null,
    });
  });

  it('takes the first of repeated headers', () => {
    expect(parseRateLimitHeaders(200, { 'x-ratelimit-remaining': ['5', '9'] }, 0).remaining).toBe(5);
  });
});
