import { describe, expect, it } from 'vitest';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import { IntercomOptionsError } from '../../src/intercom/errors.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';

const limiter = createMemoryLimiter({ allowancePerWindow: 100, windowSeconds: 10, share: 1 });

function configurationErrorOf(fn: () => unknown): IntercomOptionsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IntercomOptionsError) return err;
    throw err;
  }
  throw new Error('expected a IntercomOptionsError');
}

describe('createIntercomClient options', () => {
  it('refuses an http:// base URL to a host that is not loopback', () => {
    const err = configurationErrorOf(() => createIntercomClient({ baseUrl: 'http://api.intercom.io', token: 'tok', limiter }));
    expect(err.message).toMatch(/use https:\/\//);
  });

  it('refuses a token with a line break without quoting it', () => {
    const token = 'abc-SECRET-123\r\nX-Injected: 1';
    const err = configurationErrorOf(() => createIntercomClient({ baseUrl: 'us', token, limiter }));
    expect(err.message).not.toContain('SECRET');
  });

  it('refuses search page sizes outside 1..150 and non-integer timeouts', () => {
    expect(() => createIntercomClient({ baseUrl: 'us', token: 't', limiter, perPage: 151 })).toThrow(/perPage must be an integer from 1 to 150/);
    expect(() => createIntercomClient({ baseUrl: 'us', token: 't', limiter, perPage: 0 })).toThrow(IntercomOptionsError);
    expect(() => createIntercomClient({ baseUrl: 'us', token: 't', limiter, timeouts: { headersMs: 0.5 } })).toThrow(/timeouts.headersMs/);
    expect(() => createIntercomClient({ baseUrl: 'us', token: 't', limiter, retry: { maxAttempts: 0 } })).toThrow(/retry.maxAttempts/);
  });

  it('starts with zeroed stats and closes twice without error', async () => {
    const client = createIntercomClient({ baseUrl: 'eu', token: 't', limiter });
    expect(client.stats).toEqual({ calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} });
    await client.close();
    await client.close();
  });
});
