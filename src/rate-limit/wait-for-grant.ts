import { RateLimitAbortedError, RateLimitWaitTimeoutError } from './errors.js';
import type { SleeperSet, TakeDeadline } from './create-sleeper-set.js';
import { MAX_PAUSE_MS } from './max-pause.js';

/**
 * The one limit on waiting for a token: a take() that gets none within it fails with
 * RateLimitWaitTimeoutError. Twice the longest pause (MAX_PAUSE_MS): a token reserved just before a
 * pause of the longest length is shifted by all of it, and a take queued behind such a pause waits
 * it out and then its turn; only pauses back to back give up.
 */
export const DEFAULT_MAX_WAIT_MS = 2 * MAX_PAUSE_MS;

/** One attempt at the bucket, as {@link planTake} or lua/take-3.lua answers it. */
export interface GrantAttempt {
  kind: 'granted' | 'paused' | 'retry';
  waitMs: number;
}

export interface WaitForGrantOptions {
  attempt: () => Promise<GrantAttempt>;
  sleepers: SleeperSet;
  clockMs: () => number;
  random: () => number;
  windowMs: number;
  maxWaitMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Spread of the random delay added when waking from a pause (so the processes do not resume as a
 * herd) and from a refused attempt (so refused callers do not all retry on the same millisecond).
 */
export function jitterSpansMs(windowMs: number): { resumeJitterMs: number; retryJitterMs: number } {
  return { resumeJitterMs: Math.min(1000, windowMs / 10), retryJitterMs: Math.min(500, windowMs / 8) };
}

/**
 * The take() loop shared by both limiters: attempt, then sleep exactly as long as the bucket said
 * (never a tight poll), until a token is granted. A reserved token is slept on and then used without
 * another attempt. `maxWaitMs` is the take's deadline, the only one on this wait (the client adds
 * none): it gives up with RateLimitWaitTimeoutError as soon as the next try is known to come after it,
 * never sleeps past it, and a reserved token that a pause pushes past it is given up too. An attempt
 * in flight is bounded by the limiter's own call (a Redis command's budget), not by this deadline.
 */
export async function waitForGrant(options: WaitForGrantOptions): Promise<void> {
  const { attempt, sleepers, clockMs, random, signal, maxWaitMs } = options;
  const { resumeJitterMs, retryJitterMs } = jitterSpansMs(options.windowMs);
  const deadline: TakeDeadline = { atMs: clockMs() + maxWaitMs, maxWaitMs };
  for (;;) {
    if (signal?.aborted) throw new RateLimitAbortedError(signal.reason);
    const result = await attempt();
    if (result.kind === 'granted') {
      if (result.waitMs > 0) await sleepers.sleep(result.waitMs, { signal, shiftable: true, deadline });
      return;
    }
    const leftMs = deadline.atMs - clockMs();
    if (result.waitMs > leftMs) throw new RateLimitWaitTimeoutError(maxWaitMs, result.waitMs);
    const jitterMs = random() * (result.kind === 'paused' ? resumeJitterMs : retryJitterMs);
    await sleepers.sleep(Math.min(result.waitMs + jitterMs, leftMs), { signal, shiftable: false, deadline });
  }
}
