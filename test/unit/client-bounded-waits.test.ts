/**
 * Waits outside the HTTP exchange are bounded too: a limiter that never grants a token, and the
 * backoff sleep, both give up when told to. No request leaves the process in these tests (the base URL
 * is a closed loopback port, so a request that did would fail loudly with ECONNREFUSED).
 */
import { describe, expect, it } from 'vitest';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import { TimeoutError } from '../../src/intercom/errors.js';
import { sleep } from '../../src/shared/sleep.js';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.js';

/** A limiter that never grants and ignores the abort signal: the worst a limiter can do. */
function stuckLimiter() {
  const seen = { takes: 0 };
  const limiter: RateLimiter = {
    take: () => {
      seen.takes += 1;
      return new Promise<void>(() => {});
    },
    report: async () => {},
    close: async () => {},
  };
  return { limiter, seen };
}

describe('bounded waits', () => {
  it('fails with TimeoutError (rate-limit) when no token comes within timeouts.rateLimitMs, sending nothing', async () => {
    const { limiter, seen } = stuckLimiter();
    const api = createIntercomClient({ baseUrl: 'http://127.0.0.1:9', token: 't', limiter, timeouts: { rateLimitMs: 50 } });
    const err = await api.listSegments().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: 'rate-limit', endpoint: 'segments', status: null });
    expect(seen.takes).toBe(1);
    expect(api.stats.calls).toBe(0);
    await api.close();
  });

  it('rejects with the caller’s reason when the caller aborts while waiting for a token', async () => {
    const { limiter } = stuckLimiter();
    const api = createIntercomClient({ baseUrl: 'http://127.0.0.1:9', token: 't', limiter });
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
