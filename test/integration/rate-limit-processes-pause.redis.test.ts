/**
 * One of several OS processes receives a 429: all of them stop until X-RateLimit-Reset, then resume.
 * The sandbox injects the 429 (as if another app had spent the workspace's allowance) early in a
 * server window, so the pause is long enough to observe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { nextWindowStartMs, runRateLimitChildren } from '../support/rate-limit-run-children.js';
import { createTestRedis, deleteKeys, redisUrl, testPrefix } from '../support/redis.js';

const ALLOWANCE = 400;
const WINDOW_SECONDS = 4;
/** A token granted just before the pause was set may still be sent just after it (the design's latency margin). */
const IN_FLIGHT_SLACK_MS = 100;

let sandbox: Sandbox;
let redis: Redis;
const prefix = testPrefix('rl-procs-pause');

beforeAll(async () => {
  redis = createTestRedis();
  sandbox = await startSandbox({ contacts: 20, seed: 1, rateLimit: { allowancePerWindow: ALLOWANCE, windowSeconds: WINDOW_SECONDS } });
});
afterAll(async () => {
  await sandbox?.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('a 429 seen by one process', () => {
  it('pauses every process until the reset, after which all of them resume', async () => {
    const windowMs = WINDOW_SECONDS * 1000;
    let injector: NodeJS.Timeout | undefined;
    const { startAtMs, results } = await runRateLimitChildren(
      {
        pacer: 'redis',
        redisUrl: redisUrl(),
        keyPrefix: prefix,
        settings: { allowancePerWindow: ALLOWANCE, windowSeconds: WINDOW_SECONDS, share: 0.9 },
        baseUrl: sandbox.url,
        concurrency: 2,
        durationMs: 3 * windowMs,
      },
      {
        processes: 3,
        token: sandbox.token,
        startAtMs: (nowMs) => nextWindowStartMs(nowMs, windowMs),
        onStart: (startAtMs) => {
          // 300 ms into the second window: the third request after this is refused, then no more.
          injector = setTimeout(() => {
            sandbox.setFaults({ burst429: { everyNthRequest: 3, length: 1 } });
            const poll = setInterval(() => {
              if (sandbox.counters.responses429 > 0) {
                sandbox.setFaults({});
                clearInterval(poll);
              }
            }, 2);
          }, startAtMs + windowMs + 300 - Date.now());
        },
      },
    );
    clearTimeout(injector);

    const refusals = results.flatMap((r) => r.refusals).sort((a, b) => a.reportedAtMs - b.reportedAtMs);
    const first = refusals[0];
    expect(first, 'a process saw the injected 429').toBeDefined();
    const resetMs = (first?.resetAtSec ?? 0) * 1000;
    expect(resetMs).toBe(startAtMs + 2 * windowMs);
    expect(sandbox.counters.responses429).toBe(sandbox.counters.faultsInjected.burst429);

    for (const result of results) {
      const duringPause = result.sentAtMs.filter((t) => t >= (first?.reportedAtMs ?? 0) + IN_FLIGHT_SLACK_MS && t < resetMs);
      expect(duringPause, `process ${result.pid} sent during the pause`).toEqual([]);
      expect(result.sentAtMs.some((t) => t < (first?.reportedAtMs ?? 0)), `process ${result.pid} was sending before`).toBe(true);
      expect(result.sentAtMs.some((t) => t >= resetMs), `process ${result.pid} resumed`).toBe(true);
    }
  });
});
