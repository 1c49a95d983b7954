/**
 * The transport's side of the shared rate limit: before every attempt a token, after every response
 * its rate-limit headers reported back (never failing the call: a report that cannot be delivered
 * costs pacing accuracy, not data). Neither wait gets a limit here: the limiter bounds both (see
 * RateLimiter), and a take() that gets no token in time fails with its RateLimitWaitTimeoutError.
 */
import type { RateLimitFeedback, RateLimiter } from '../rate-limit/rate-limiter.js';
import { networkErrorFacts } from './error-for-network-failure.js';
import type { ClientLogger } from './create-transport.js';
import { untilAborted } from './start-deadline.js';

export interface Pacer {
  take(signal: AbortSignal | undefined): Promise<void>;
  report(endpoint: string, feedback: RateLimitFeedback): Promise<void>;
}

export function createPacer(options: { limiter: RateLimiter; logger: ClientLogger }): Pacer {
  const { limiter, logger } = options;
  return {
    async take(signal) {
      const taking = limiter.take(signal);
      try {
        // The caller's abort wins at once, even over a limiter that is slow to notice it.
        await (signal ? untilAborted(taking, signal) : taking);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw err;
      }
    },

    async report(endpoint, feedback) {
      try {
        await limiter.report(feedback);
      } catch (err) {
        logger.warn({ endpoint, errCode: networkErrorFacts(err).code }, 'rate limiter report failed');
      }
    },
  };
}
