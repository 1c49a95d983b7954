import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/shared/is-loopback-host.js';
import { sleep } from '../../src/shared/sleep.js';
import { withTimeout } from '../../src/shared/with-timeout.js';

describe('withTimeout', () => {
  it('settles with the work when it finishes first', async () => {
    expect(await withTimeout(Promise.resolve('done'), 1_000, () => 'late')).toBe('done');
  });

  it('settles with the fallback when the work never settles', async () => {
    expect(await withTimeout(new Promise<string>(() => {}), 10, () => 'timed out')).toBe('timed out');
  });

  it('rejects with what the fallback throws', async () => {
    await expect(
      withTimeout(new Promise(() => {}), 10, () => {
        throw new Error('no answer within 10 ms');
      }),
    ).rejects.toThrow('no answer within 10 ms');
  });

  it('passes the work\'s own rejection through, and ignores one that comes after the timeout', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 1_000, () => 'late')).rejects.toThrow('refused');
    const late = sleep(30).then(() => {
      throw new Error('too late to matter');
    });
    expect(await withTimeout(late, 5, () => 'timed out')).toBe('timed out');
    await sleep(40); // the late rejection has happened: no unhandled rejection fails the run
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '128.0.0.1', '127.0.0.256', '127.1', 'localhost.example.com', '::', 'api.intercom.io'])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
