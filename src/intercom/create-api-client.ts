import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createIntercomClient } from './create-intercom-client.js';
import { createEventsPageSizeLearner, eventsPageSizesFor, type EventsPageSizeLearner } from './events-page-size.js';
import type { IntercomApi } from './types.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';

/** The Intercom client as configured, for `run` and for every worker: one place maps config to client options. */
export function createApiClient(input: {
  config: Readonly<Config>;
  baseUrl: string;
  token: string;
  limiter: RateLimiter;
  log: Logger;
  /** The learnt events page size, shared by the clients a process opens for one run (see eventsPageSizeLearner). */
  eventsPageSize?: EventsPageSizeLearner;
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
    ...(input.eventsPageSize ? { eventsPageSize: input.eventsPageSize } : {}),
  });
}

/** One events page size for the clients a process opens for a run (a worker's: again after one sat idle). */
export function eventsPageSizeLearner(config: Readonly<Config>, log: Logger): EventsPageSizeLearner {
  return createEventsPageSizeLearner(eventsPageSizesFor(config.intercom.eventsPerPage), log.child({ stage: 'http' }));
}
