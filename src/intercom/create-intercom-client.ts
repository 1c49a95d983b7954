import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { CLIENT_VERSION } from './client-version.js';
import { checkConversationsAccess } from './check-conversations-access.js';
import { createTransport, type ClientLogger, type TransportTimeouts } from './create-transport.js';
import { IntercomOptionsError } from './errors.js';
import { createEventsPageSizeLearner, eventsPageSizesFor, type EventsPageSizeLearner, type EventsPerPageSetting } from './events-page-size.js';
import { identifyWorkspace } from './identify-workspace.js';
import { listConversationPages } from './list-conversation-pages.js';
import { listEventPages } from './list-event-pages.js';
import { MAX_SEARCH_PER_PAGE, listMemberPages } from './list-member-pages.js';
import { listSegments } from './list-segments.js';
import { listTags } from './list-tags.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './plan-retry-wait.js';
import { resolveBaseUrl } from './resolve-base-url.js';
import { sleep as defaultSleep } from '../shared/sleep.js';
import type { IntercomApi } from './types.js';

export interface IntercomClientOptions {
  /** 'us' | 'eu' | 'au' or a URL (https://, or http:// to a loopback host). */
  baseUrl: string;
  /** Access token; sent only as `Authorization: Bearer`, only to `baseUrl`'s origin. */
  token: string;
  /** Paces every attempt (first or retry): `take()` before, `report()` after. Not closed by the client. */
  limiter: RateLimiter;
  /**
   * Defaults: connect 10 s, headers 30 s, body 30 s (silence between chunks). A whole attempt is also
   * cut off after connect + headers + body. undici runs the headers and body timers at about 1 s
   * resolution, so values under a second act as roughly one second. The wait for a rate-limit token
   * is the limiter's to bound (its `maxWaitMs`), not the client's.
   */
  timeouts?: Partial<TransportTimeouts>;
  /** Defaults: 6 attempts, backoff 500 ms doubling to 30 s (full jitter), 10 waits on 429, Retry-After up to 60 s. */
  retry?: Partial<RetryPolicy>;
  /** Search page size, 1–150; default 150 (Intercom's maximum). */
  perPage?: number;
  /**
   * `per_page` for GET /events: 'auto' (default) asks for 150 and steps down on a 400 naming per_page,
   * learning the size on the client's first events call (see events-page-size.ts); a number is sent as
   * it is; 'omit' sends none (the API's default).
   */
  eventsPerPage?: EventsPerPageSetting;
  /**
   * Where the learnt size is kept, when several clients of one process share it (a worker opens a
   * run's client again after one sat idle: each would pay the refused sizes again); by default the
   * client's own, from `eventsPerPage`.
   */
  eventsPageSize?: EventsPageSizeLearner;
  /** Defaults to `cohort-reports/<version>`. */
  userAgent?: string;
  /** Responses larger than this fail (UnexpectedBodyError 'too-large'); default 32 MiB. */
  maxBodyBytes?: number;
  logger?: ClientLogger;
  /** Injectable for tests; must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1); Math.random by default. */
  random?: () => number;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
}

const DEFAULT_TIMEOUTS: TransportTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };
const SILENT_LOGGER: ClientLogger = { debug() {}, warn() {} };

function checkPositiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new IntercomOptionsError(`${name} must be an integer from 1 to ${max} (got ${value})`);
  }
}

function checkToken(token: string): void {
  // A header-unsafe token would make undici throw later; say it now, without quoting the token.
  if (token.length === 0 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new IntercomOptionsError(
      'Intercom token is empty or contains spaces, line breaks or non-ASCII characters: copy the access token again from the Developer Hub',
    );
  }
}

/**
 * The Intercom client the pipeline uses: segments, tags, members by cohort, events by contact, a
 * month's conversations (and whether the token may read them), over one keep-alive undici Agent,
 * paced by the given limiter, with bounded retries.
 *
 * Retried (see `isRetryable`): 408, 429, 5xx, timeouts, transient connection failures, and a body
 * that is not JSON even under status 200 — a proxy or a truncated response produces exactly that,
 * and a bounded retry costs little. A JSON body of the wrong shape is not retried: it would come back
 * the same. 401/403 are never retried.
 *
 * @example
 * const client = createIntercomClient({ baseUrl: 'eu', token, limiter });
 * for await (const page of client.listMemberPages({ type: 'segment', id })) console.log(page.members.length);
 * await client.close();
 */
export function createIntercomClient(options: IntercomClientOptions): IntercomApi {
  const baseUrl = resolveBaseUrl(options.baseUrl);
  checkToken(options.token);
  const timeouts: TransportTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  for (const [name, value] of Object.entries(timeouts)) checkPositiveInteger(`timeouts.${name}`, value);
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  checkPositiveInteger('retry.maxAttempts', retry.maxAttempts);
  checkPositiveInteger('retry.maxDelayMs', retry.maxDelayMs);
  if (!Number.isInteger(retry.baseDelayMs) || retry.baseDelayMs < 0) {
    throw new IntercomOptionsError(`retry.baseDelayMs must be a non-negative integer (got ${retry.baseDelayMs})`);
  }
  if (!Number.isInteger(retry.max429Waits) || retry.max429Waits < 0) {
    throw new IntercomOptionsError(`retry.max429Waits must be a non-negative integer (got ${retry.max429Waits})`);
  }
  if (!Number.isInteger(retry.maxServerWaitMs) || retry.maxServerWaitMs < 0) {
    throw new IntercomOptionsError(`retry.maxServerWaitMs must be a non-negative integer (got ${retry.maxServerWaitMs})`);
  }
  const perPage = options.perPage ?? MAX_SEARCH_PER_PAGE;
  checkPositiveInteger('perPage', perPage, MAX_SEARCH_PER_PAGE);
  const eventsPerPage = options.eventsPerPage ?? 'auto';
  if (typeof eventsPerPage === 'number') checkPositiveInteger('eventsPerPage', eventsPerPage);
  else if (eventsPerPage !== 'auto' && eventsPerPage !== 'omit') {
    throw new IntercomOptionsError(`eventsPerPage must be 'auto', 'omit' or a page size (got ${JSON.stringify(eventsPerPage)})`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  checkPositiveInteger('maxBodyBytes', maxBodyBytes);
  const logger = options.logger ?? SILENT_LOGGER;
  const now = options.now ?? Date.now;
  const eventsPageSize = options.eventsPageSize ?? createEventsPageSizeLearner(eventsPageSizesFor(eventsPerPage), logger);

  const transport = createTransport({
    baseUrl,
    token: options.token,
    limiter: options.limiter,
    timeouts,
    retry,
    userAgent: options.userAgent ?? `cohort-reports/${CLIENT_VERSION}`,
    logger,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    now,
    maxBodyBytes,
  });

  /** A search's paging (members, conversations): the page size asked for, else the client's, checked. */
  const searchPaging = (asked: { startingAfter?: string | null; perPage?: number; signal?: AbortSignal }) => {
    const pageSize = asked.perPage ?? perPage;
    checkPositiveInteger('perPage', pageSize, MAX_SEARCH_PER_PAGE);
    return { startingAfter: asked.startingAfter ?? null, perPage: pageSize, signal: asked.signal };
  };

  return {
    identifyWorkspace: (signal) => identifyWorkspace(transport, baseUrl, signal),
    listSegments: (signal) => listSegments(transport, baseUrl, signal),
    listTags: (signal) => listTags(transport, baseUrl, signal),
    listMemberPages: (cohort, pageOptions = {}) => listMemberPages(transport, baseUrl, cohort, searchPaging(pageOptions)),
    listEventPages(contactId, eventOptions = {}) {
      return listEventPages(transport, baseUrl, contactId, {
        ...(eventOptions.notBeforeSec !== undefined ? { notBeforeSec: eventOptions.notBeforeSec } : {}),
        ...(eventOptions.signal ? { signal: eventOptions.signal } : {}),
        pageSize: eventsPageSize,
        logger,
      });
    },
    listConversationPages: (window, pageOptions = {}) => listConversationPages(transport, baseUrl, window, searchPaging(pageOptions)),
    checkConversationsAccess: (signal) => checkConversationsAccess(transport, baseUrl, { nowSec: Math.floor(now() / 1000), signal }),
    get eventsPageSize() {
      return eventsPageSize.size;
    },
    stats: transport.stats,
    close: () => transport.close(),
  };
}
