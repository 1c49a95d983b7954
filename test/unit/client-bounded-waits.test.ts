/**
 * Waits outside the HTTP exchange are bounded too: the wait for a token by the limiter's one limit
 * (the client adds none), and it and the backoff sleep give up when the caller says so. No request
 * leaves the process in these tests (the base URL is a closed loopback port, so a request that did
 * would fail loudly with ECONNREFUSED).
 */
import { describe, expect, it } from 'vitest';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import { RateLimitWaitTimeoutError } from '../../src/rate-limit/errors.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import { sleep } from '../../src/shared/sleep.js';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.js';

/** A limiter that never grants and ignores the abort signal: the worst a limiter can do. */
function stuckLimiter(): RateLimiter {
  return { take: () => new Promise<void>(() => {}), report: async () => {}, close: async () => {} };
}

describe('bounded waits', () => {
  it('fails with the limiter’s RateLimitWaitTimeoutError when no token comes within its maxWaitMs, sending nothing and retrying nothing', async () => {
    const limiter = createMemoryLimiter({ allowancePerWindow: 200, windowSeconds: 10, share: 0.9 }, { maxWaitMs: 50 });
    await limiter.report({ status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: 5 });
    let takes = 0;
    const counted: RateLimiter = { ...limiter, take: (signal) => ((takes += 1), limiter.take(signal)) };
    const api = createIntercomClient({ baseUrl: 'http://127.0.0.1:9', token: 't', limiter: counted });
    const startedMs = Date.now();
    const err = await api.listSegments().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitWaitTimeoutError);
    expect(err).toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT', maxWaitMs: 50 });
    expect(Date.now() - startedMs).toBeLessThan(1_000);
    expect(takes).toBe(1);
    expect(api.stats.calls).toBe(0);
    await api.close();
    await limiter.close();
  });

  it('rejects with the caller’s reason when the caller aborts while waiting for a token', async () => {
    const api = createIntercomClient({ baseUrl: 'http://127.0.0.1:9', token: 't', limiter: stuckLimiter() });
    const controller = new AbortController();
    const pending = api.listTags(controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(api.stats.calls).toBe(0);
    await api.close();
  });

  it('sleep rejects with the abort reason instead of waiting out the delay', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(sleep(0, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
