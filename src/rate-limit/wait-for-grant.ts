import { RateLimitAbortedError, RateLimitWaitTimeoutError } from './errors.js';
import type { SleeperSet } from './create-sleeper-set.js';

/** The longest a take() waits for a token before RateLimitWaitTimeoutError (a pause is at most a window). */
export const DEFAULT_MAX_WAIT_MS = 60_000;

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
 * another attempt. Gives up with RateLimitWaitTimeoutError as soon as the next token is known to be
 * due after `maxWaitMs`.
 */
export async function waitForGrant(options: WaitForGrantOptions): Promise<void> {
  const { attempt, sleepers, clockMs, random, signal, maxWaitMs } = options;
  const { resumeJitterMs, retryJitterMs } = jitterSpansMs(options.windowMs);
  const startedMs = clockMs();
  for (;;) {
    if (signal?.aborted) throw new RateLimitAbortedError(signal.reason);
    const result = await attempt();
    if (result.kind === 'granted') {
      if (result.waitMs > 0) await sleepers.sleep(result.waitMs, { signal, shiftable: true });
      return;
    }
    const elapsedMs = clockMs() - startedMs;
    if (elapsedMs + result.waitMs > maxWaitMs) throw new RateLimitWaitTimeoutError(maxWaitMs, result.waitMs);
    const jitterMs = random() * (result.kind === 'paused' ? resumeJitterMs : retryJitterMs);
    await sleepers.sleep(result.waitMs + jitterMs, { signal, shiftable: false });
  }
}
