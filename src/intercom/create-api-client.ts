import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createIntercomClient } from './create-intercom-client.js';
import type { IntercomApi } from './types.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';

/** The Intercom client as configured, for `run` and for every worker: one place maps config to client options. */
export function createApiClient(input: {
  config: Readonly<Config>;
  baseUrl: string;
  token: string;
  limiter: RateLimiter;
  log: Logger;
}): IntercomApi {
  const { config } = input;
  return createIntercomClient({
    baseUrl: input.baseUrl,
    token: input.token,
    limiter: input.limiter,
    perPage: config.intercom.perPage,
    eventsPerPage: config.intercom.eventsPerPage,
    timeouts: {
      connectMs: config.intercom.connectTimeoutMs,
      headersMs: config.intercom.headersTimeoutMs,
      bodyMs: config.intercom.bodyTimeoutMs,
    },
    retry: { maxAttempts: config.intercom.maxAttempts, maxServerWaitMs: config.rateLimit.maxPauseMs },
    logger: input.log.child({ stage: 'http' }),
  });
}
