import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, UNLIMITED_ALLOWANCE_PER_WINDOW, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

const WINDOW_START_SEC = 1_767_225_600; // a multiple of 10
let nowMs = 0;
let sb: Sandbox | undefined;

async function start(options: SandboxOptions): Promise<Sandbox> {
  nowMs = (WINDOW_START_SEC + 2) * 1000;
  sb = await startSandbox({ contacts: 20, seed: 3, nowSec: WINDOW_START_SEC, clock: () => nowMs, ...options });
  return sb;
}

async function tags(s: Sandbox, token = s.token): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  const res = await request(`${s.url}/tags`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, headersTimeout: 10_000 });
  return { status: res.statusCode, headers: res.headers, json: await res.body.json() };
}

afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('fixed windows', () => {
  it('admits the allowance with counting-down headers, then answers 429 rate_limit_exceeded', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 5 } });
    const answers = [];
    for (let i = 0; i < 7; i += 1) answers.push(await tags(s));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(answers.map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    for (const a of answers) {
      expect(a.headers['x-ratelimit-limit']).toBe('5');
      expect(a.headers['x-ratelimit-reset']).toBe(String(WINDOW_START_SEC + 10));
    }
    expect(answers[5]!.json).toEqual({
      type: 'error.list',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 5 in 10_seconds' }],
    });
    expect(s.counters.responses429).toBe(2);
    expect(s.counters.requestsByWindow.get(WINDOW_START_SEC)).toBe(7);
  });

  it('admits again once the clock reaches the next aligned window', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 2 } });
    await tags(s);
    await tags(s);
    expect((await tags(s)).status).toBe(429);
    nowMs = (WINDOW_START_SEC + 10) * 1000;
    const next = await tags(s);
    expect(next.status).toBe(200);
    expect(next.headers['x-ratelimit-reset']).toBe(String(WINDOW_START_SEC + 20));
    expect([...s.counters.requestsByWindow]).toEqual([
      [WINDOW_START_SEC, 3],
      [WINDOW_START_SEC + 10, 1],
    ]);
  });

  it('refuses exactly the requests past the allowance when they arrive at once', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 10 } });
    const statuses = (await Promise.all(Array.from({ length: 25 }, () => tags(s)))).map((a) => a.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(15);
    expect(s.counters.responses429).toBe(15);
  });

  it('does not count unauthenticated requests against the allowance', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 2 } });
    for (let i = 0; i < 5; i += 1) expect((await tags(s, 'wrong')).status).toBe(401);
    expect((await tags(s)).status).toBe(200);
    expect(s.counters.requestsByWindow.get(WINDOW_START_SEC)).toBe(1);
    expect(s.counters.requests).toBe(6);
  });

  it('uses the configured window length in headers and message', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 1, windowSeconds: 60 } });
    await tags(s);
    const refused = await tags(s);
    expect(refused.json.errors[0].message).toBe('Exceeded rate limit of 1 in 60_seconds');
    expect(refused.headers['x-ratelimit-reset']).toBe(String(Math.floor(WINDOW_START_SEC / 60) * 60 + 60));
  });
});

describe('sliding windows', () => {
  it('refuses across the aligned boundary where a fixed window would admit', async () => {
    const sliding = await start({ rateLimit: { allowancePerWindow: 2, mode: 'sliding' } });
    nowMs = (WINDOW_START_SEC + 8) * 1000;
    await tags(sliding);
    await tags(sliding);
    nowMs = (WINDOW_START_SEC + 10) * 1000 + 500;
    const refused = await tags(sliding);
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ratelimit-reset']).toBe(String(WINDOW_START_SEC + 18));

    sliding.setRateLimit({ allowancePerWindow: 2, mode: 'fixed' });
    nowMs = (WINDOW_START_SEC + 8) * 1000;
    await tags(sliding);
    await tags(sliding);
    nowMs = (WINDOW_START_SEC + 10) * 1000 + 500;
    expect((await tags(sliding)).status).toBe(200);
  });

  it('counts refused requests, so a client that keeps knocking stays refused', async () => {
    const s = await start({ rateLimit: { allowancePerWindow: 2, mode: 'sliding' } });
    nowMs = WINDOW_START_SEC * 1000;
    await tags(s);
    await tags(s);
    nowMs += 9_000;
    expect((await tags(s)).status).toBe(429); // counted at +9 s
    nowMs += 2_000; // +11 s: the first two have left, the refused one has not
    expect((await tags(s)).status).toBe(200);
    expect((await tags(s)).status).toBe(429);
  });
});

describe('no limit', () => {
  it('never refuses, and still sends headers against the nominal allowance', async () => {
    const s = await start({ rateLimit: null });
    const answers = await Promise.all(Array.from({ length: 30 }, () => tags(s)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers[0]!.headers['x-ratelimit-limit']).toBe(String(UNLIMITED_ALLOWANCE_PER_WINDOW));
    const remaining = answers.map((a) => Number(a.headers['x-ratelimit-remaining'])).sort((a, b) => b - a);
    expect(remaining[remaining.length - 1]).toBe(UNLIMITED_ALLOWANCE_PER_WINDOW - 30);
    expect(s.counters.requestsByWindow.get(WINDOW_START_SEC)).toBe(30);
  });

  it('starts enforcing when a limit is set at run time', async () => {
    const s = await start({});
    expect((await tags(s)).status).toBe(200);
    s.setRateLimit({ allowancePerWindow: 1 });
    expect((await tags(s)).status).toBe(200);
    expect((await tags(s)).status).toBe(429);
  });
});
