/**
 * The one bound on every pause, whatever a server asks: a `Retry-After` or `X-RateLimit-Reset` of a
 * year is honoured for this long, then the request is tried again. It bounds the client's own waits
 * between attempts, the shared limiter's pause (and the TTL of the key that holds it in Redis), the
 * worker's queue-wide `rateLimit` and every job's backoff. A server that keeps refusing so costs one
 * request per pause, never a stall; and a pause can never outlive the runs it holds up.
 */
export const MAX_PAUSE_MS = 60_000;

/**
 * `ms` bounded by the maximum pause (`maxPauseMs`, itself never above {@link MAX_PAUSE_MS}) and by 0.
 *
 * @example capPauseMs(31_536_000_000) // 60_000
 * @example capPauseMs(7_000, 1_500) // 1_500
 */
export function capPauseMs(ms: number, maxPauseMs: number = MAX_PAUSE_MS): number {
  const bound = Math.min(maxPauseMs, MAX_PAUSE_MS);
  if (!(ms > 0)) return 0;
  return Math.min(ms, bound);
}
