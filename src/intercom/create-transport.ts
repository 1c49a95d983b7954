/**
 * The client's HTTP core, composed from pieces by role (as undici's are): one undici Agent; pacing by
 * the shared limiter (create-pacer.ts); one attempt with its deadline, bounded body and status → error
 * mapping (attempt-request.ts, start-deadline.ts, read-body.ts, error-for-status.ts,
 * error-for-network-failure.ts); and here the retry loop around them, which planRetryWait alone
 * decides (wait, or give up).
 *
 * The token lives only in the request headers built for an attempt. Errors are built from status,
 * Intercom's error code and request id, and an endpoint label; undici's own errors are replaced by a
 * summary of their name and code before they can travel anywhere.
 */
import { Agent } from 'undici';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { withTimeout } from '../shared/with-timeout.js';
import { attemptRequest, type AttemptContext } from './attempt-request.js';
import { createPacer } from './create-pacer.js';
import { ConnectionError, RateLimitedError } from './errors.js';
import { NO_FAILURES, planRetryWait, type RetryPolicy } from './plan-retry-wait.js';
import type { RequestStats } from './types.js';
import type { BodyParser } from './wire-schemas.js';

/** The subset of a pino logger the client uses. */
export interface ClientLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TransportTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From request sent to response headers. */
  headersMs: number;
  /** Longest silence between body chunks. */
  bodyMs: number;
}

export interface TransportOptions {
  baseUrl: string;
  token: string;
  limiter: RateLimiter;
  timeouts: TransportTimeouts;
  retry: RetryPolicy;
  userAgent: string;
  logger: ClientLogger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Bodies larger than this fail with UnexpectedBodyError ('too-large'). */
  maxBodyBytes: number;
}

export interface TransportRequest<T> {
  /** Label for stats, logs and errors: 'me' | 'segments' | 'tags' | 'contacts.search' | 'events'. */
  endpoint: string;
  method: 'GET' | 'POST';
  /** Absolute URL (on the base URL's origin: callers check next-page URLs before passing them). */
  url: string;
  body?: unknown;
  parse: BodyParser<T>;
  signal?: AbortSignal;
  /**
   * What the call is about, for error messages: 'contact 6762f2…', 'segment 123'. Ids only: never
   * anything that could hold personal data or the token.
   */
  subject?: string;
}

export interface Transport {
  send<T>(req: TransportRequest<T>): Promise<T>;
  readonly stats: RequestStats;
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 5_000;

export function createTransport(options: TransportOptions): Transport {
  const { limiter, timeouts, retry, logger } = options;
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
  const stats: RequestStats = { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} };
  let closed = false;

  const pacer = createPacer({ limiter, logger });
  const context: AttemptContext = {
    dispatcher: agent,
    token: options.token,
    userAgent: options.userAgent,
    attemptDeadlineMs: timeouts.connectMs + timeouts.headersMs + timeouts.bodyMs,
    maxBodyBytes: options.maxBodyBytes,
    pacer,
    logger,
    now: options.now,
    // Intercom's messages are echoed into errors; make sure a server can never echo the token back out.
    redact: (text) => text.split(options.token).join('[redacted]'),
    onStatus: (status) => {
      if (status === 429) stats.responses429 += 1;
    },
  };

  async function send<T>(req: TransportRequest<T>): Promise<T> {
    const { endpoint } = req;
    if (closed) throw new ConnectionError(`Intercom ${endpoint}: the client is closed`, { endpoint, reason: 'CLIENT_CLOSED' });
    const bodyText = req.body === undefined ? undefined : JSON.stringify(req.body);
    let attempts = 0;
    let counts = NO_FAILURES;
    for (;;) {
      req.signal?.throwIfAborted();
      await pacer.take(req.signal);
      attempts += 1;
      stats.calls += 1;
      stats.callsByEndpoint[endpoint] = (stats.callsByEndpoint[endpoint] ?? 0) + 1;
      if (attempts > 1) stats.retries += 1;

      const outcome = await attemptRequest(context, req, bodyText, attempts);
      if (outcome.ok) return outcome.value;
      const { error, feedback } = outcome;
      const wait = planRetryWait({ error, counts, feedback, nowMs: options.now(), random: options.random, policy: retry });
      counts = wait.counts;
      const log = error instanceof RateLimitedError ? logger.warn : logger.debug;
      log.call(logger, { endpoint, attempt: attempts, status: error.status, errCode: error.code, waitMs: wait.waitMs }, 'intercom call will be retried');
      await options.sleep(wait.waitMs, req.signal);
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const stuck = await withTimeout(agent.close().then(() => false), CLOSE_TIMEOUT_MS, () => true);
    if (stuck) await agent.destroy();
  }

  return { send, stats, close };
}
