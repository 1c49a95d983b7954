/**
 * The transport's side of the shared rate limit: before every attempt a token (bounded by
 * `rateLimitMs`, then TimeoutError with phase 'rate-limit'), after every response its rate-limit
 * headers reported back (bounded too, and never failing the call: a report that cannot be delivered
 * costs pacing accuracy, not data).
 */
import type { RateLimitFeedback, RateLimiter } from '../rate-limit/rate-limiter.js';
import { withTimeout } from '../shared/with-timeout.js';
import { TimeoutError } from './errors.js';
import { networkErrorFacts } from './error-for-network-failure.js';
import type { ClientLogger } from './create-transport.js';
import { startDeadline, untilAborted } from './start-deadline.js';

const REPORT_TIMEOUT_MS = 5_000;

export interface Pacer {
  take(endpoint: string, signal: AbortSignal | undefined): Promise<void>;
  report(endpoint: string, feedback: RateLimitFeedback): Promise<void>;
}

export function createPacer(options: { limiter: RateLimiter; rateLimitMs: number; logger: ClientLogger }): Pacer {
  const { limiter, rateLimitMs, logger } = options;
  return {
    async take(endpoint, signal) {
      const deadline = startDeadline(signal, rateLimitMs);
      const taking = limiter.take(deadline.signal);
      taking.catch(() => {});
      try {
        await untilAborted(taking, deadline.signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (deadline.expired()) {
          throw new TimeoutError(`Intercom ${endpoint}: no rate-limit token within ${rateLimitMs} ms`, { endpoint, phase: 'rate-limit' });
        }
        throw err;
      } finally {
        deadline.dispose();
      }
    },

    async report(endpoint, feedback) {
      try {
        const delivered = await withTimeout(limiter.report(feedback).then(() => true), REPORT_TIMEOUT_MS, () => false);
        if (!delivered) logger.warn({ endpoint, timeoutMs: REPORT_TIMEOUT_MS }, 'rate limiter report timed out');
      } catch (err) {
        logger.warn({ endpoint, errCode: networkErrorFacts(err).code }, 'rate limiter report failed');
      }
    },
  };
}
