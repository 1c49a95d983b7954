import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { CohortMetrics } from './create-metrics.js';

/**
 * Wraps a limiter so that every granted token records how long it was waited for, and every response
 * reported to it counts under its HTTP status. The client calls `take()` once per attempt and
 * `report()` once per response, so these are exact per-attempt figures. A `take()` that fails (abort,
 * timeout) records nothing: no request followed it.
 *
 * @example
 * const limiter = meterLimiter(createRedisLimiter({ redis, keyPrefix, settings }), metrics);
 */
export function meterLimiter(
  limiter: RateLimiter,
  metrics: Pick<CohortMetrics, 'rateLimitWait' | 'responses'>,
  nowMs: () => number = () => performance.now(),
): RateLimiter {
  return {
    async take(signal) {
      const startedMs = nowMs();
      await limiter.take(signal);
      metrics.rateLimitWait.observe((nowMs() - startedMs) / 1000);
    },
    report(feedback) {
      metrics.responses.inc({ status: String(feedback.status) });
      return limiter.report(feedback);
    },
    close: () => limiter.close(),
  };
}
