/**
 * BullMQ's exponential backoff waits `delay · 2^(attemptsMade − 1)` before each retry, so its longest
 * wait is the one before the last attempt. Every job's backoff goes through here, so no retry of any
 * job waits longer than the one maximum pause (MAX_PAUSE_MS).
 */
import { MAX_PAUSE_MS } from '../src/rate-limit/max-pause.js';

/**
 * The longest wait between two attempts of a job with `attempts` attempts and this first delay.
 *
 * @example longestBackoffMs(5, 5_000) // 40_000 (5, 10, 20, 40 s)
 */
export function longestBackoffMs(attempts: number, firstDelayMs: number): number {
  return attempts < 2 ? 0 : firstDelayMs * 2 ** (attempts - 2);
}

/**
 * The `backoff` option of a job with `attempts` attempts; throws (a programming error, met by the
 * first test that builds the job) when its longest wait would exceed MAX_PAUSE_MS.
 *
 * @example exponentialBackoff(6, 2_000) // { type: 'exponential', delay: 2_000 } (longest wait 32 s)
 */
export function exponentialBackoff(attempts: number, firstDelayMs: number): { type: 'exponential'; delay: number } {
  const longestMs = longestBackoffMs(attempts, firstDelayMs);
  if (longestMs > MAX_PAUSE_MS) {
    throw new RangeError(`a backoff of ${firstDelayMs} ms doubling over ${attempts} attempts waits ${longestMs} ms, more than MAX_PAUSE_MS ${MAX_PAUSE_MS}`);
  }
  return { type: 'exponential', delay: firstDelayMs };
}
