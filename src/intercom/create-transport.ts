/**
 * The client's HTTP core: one undici Agent, and a small retry loop around `request()` in which every
 * attempt first takes a rate-limit token and then reports the response's rate-limit headers. Bodies
 * are always read to the end (bounded in size and time) so sockets go back to the pool.
 *
 * The token lives only in the request headers built here. Errors are built from status, Intercom's
 * error code and request id, and an endpoint label; undici's own errors are replaced by a summary of
 * their name and code before they can travel anywhere.
 */
import { Agent, request } from 'undici';
import type { RateLimitFeedback, RateLimiter } from '../rate-limit/rate-limiter.js';
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  IntercomError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
  isRetryable,
  type IntercomErrorDetails,
  type TimeoutPhase,
} from './errors.js';
import { parseRateLimitHeaders, type ResponseHeaders } from './parse-rate-limit-headers.js';
import { planRetryWait, type RetryPolicy } from './plan-retry-wait.js';
import type { RequestStats } from './types.js';
import { parseJsonExact } from './parse-json-exact.js';
import { parseErrorList, type BodyParser } from './wire-schemas.js';

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
  /** Longest wait for a rate-limit token before the call fails with TimeoutError (phase 'rate-limit'). */
  rateLimitMs: number;
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
  /** Label for stats, logs and errors: 'segments' | 'tags' | 'contacts.search' | 'events'. */
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

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: IntercomError; feedback: RateLimitFeedback | null };

const REPORT_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 5_000;

const TIMEOUT_PHASES: Record<string, TimeoutPhase> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/** The name and code of a thrown network error, and nothing else (its message could quote anything). */
function networkErrorFacts(err: unknown): { name: string; code: string } {
  const e = err as { name?: unknown; code?: unknown; errors?: Array<{ code?: unknown }> } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const nested = Array.isArray(e?.errors) ? e.errors.find((inner) => typeof inner?.code === 'string')?.code : undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof nested === 'string' ? nested : 'UNKNOWN';
  return { name, code };
}

function sanitisedCause(facts: { name: string; code: string }): Error {
  const cause = new Error(`${facts.name} (${facts.code})`);
  cause.name = facts.name;
  return cause;
}

function headerValue(headers: ResponseHeaders, name: string): string | null {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value ?? null;
}

async function readBody(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
  maxBytes: number,
): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Deadline {
  /** Aborts when the caller's signal aborts or the time is up. */
  signal: AbortSignal;
  /** True when the time ran out (not the caller). */
  expired(): boolean;
  dispose(): void;
}

/**
 * A signal for one bounded wait. Built by hand rather than with AbortSignal.any/timeout, whose
 * listeners on a long-lived caller signal and pending timers would pile up over a run of many calls.
 */
function startDeadline(parent: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
  }, timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Rejects as soon as `signal` aborts, even if `promise` never settles (a limiter that ignores the signal). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function createTransport(options: TransportOptions): Transport {
  const { limiter, timeouts, retry, logger } = options;
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
  const attemptDeadlineMs = timeouts.connectMs + timeouts.headersMs + timeouts.bodyMs;
  const stats: RequestStats = { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} };
  let closed = false;

  // Intercom's messages are echoed into errors; make sure a server can never echo the token back out.
  const redact = (text: string): string => text.split(options.token).join('[redacted]');

  async function takeToken(endpoint: string, signal: AbortSignal | undefined): Promise<void> {
    const deadline = startDeadline(signal, timeouts.rateLimitMs);
    const taking = limiter.take(deadline.signal);
    taking.catch(() => {});
    try {
      await untilAborted(taking, deadline.signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.expired()) {
        throw new TimeoutError(`Intercom ${endpoint}: no rate-limit token within ${timeouts.rateLimitMs} ms`, {
          endpoint,
          phase: 'rate-limit',
        });
      }
      throw err;
    } finally {
      deadline.dispose();
    }
  }

  async function report(endpoint: string, feedback: RateLimitFeedback): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), REPORT_TIMEOUT_MS);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([limiter.report(feedback), timedOut]);
      if (outcome === 'timeout') logger.warn({ endpoint, timeoutMs: REPORT_TIMEOUT_MS }, 'rate limiter report timed out');
    } catch (err) {
      logger.warn({ endpoint, errCode: networkErrorFacts(err).code }, 'rate limiter report failed');
    } finally {
      clearTimeout(timer);
    }
  }

  function errorForStatus(status: number, text: string | null, headers: ResponseHeaders, details: IntercomErrorDetails): IntercomError {
    let intercomCode: string | null = null;
    let intercomMessage: string | null = null;
    let intercomField: string | null = null;
    let requestId = headerValue(headers, 'x-request-id');
    if (text !== null) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const parsed = parseErrorList(json);
      if (parsed.ok) {
        intercomCode = parsed.value.errors[0]?.code ?? null;
        intercomMessage = parsed.value.errors[0]?.message ?? null;
        intercomField = parsed.value.errors[0]?.field ?? null;
        requestId = parsed.value.request_id ?? requestId;
      }
    }
    const full: IntercomErrorDetails = {
      ...details,
      status,
      intercomCode: intercomCode === null ? null : redact(intercomCode).slice(0, 100),
      intercomField: intercomField === null ? null : redact(intercomField).slice(0, 100),
      requestId: requestId === null ? null : redact(requestId).slice(0, 100),
    };
    const said = intercomCode ? ` (${full.intercomCode}${intercomMessage ? `: ${redact(intercomMessage).slice(0, 200)}` : ''})` : '';
    const attempts = `after ${details.attempts ?? 1} attempt${details.attempts === 1 ? '' : 's'}`;
    const message = `Intercom ${details.endpoint} answered HTTP ${status}${said} ${attempts}`;
    if (status === 401 || status === 403) return new AuthenticationError(`${message}: check the access token, its workspace region and its scopes`, full);
    if (status === 404) return new NotFoundError(message, full);
    if (status === 408) return new TimeoutError(message, { ...full, phase: 'server' });
    if (status === 429) return new RateLimitedError(message, full);
    if (status >= 500) return new ServerError(message, full);
    if (status >= 400) return new BadRequestError(message, full);
    return new UnexpectedBodyError(`${message}, a status the API does not use (redirects are not followed)`, {
      ...full,
      reason: 'unexpected-status',
    });
  }

  async function attempt<T>(req: TransportRequest<T>, bodyText: string | undefined, attempts: number): Promise<AttemptOutcome<T>> {
    const { endpoint } = req;
    const deadline = startDeadline(req.signal, attemptDeadlineMs);
    const { signal } = deadline;
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      'intercom-version': '2.14',
      'user-agent': options.userAgent,
    };
    if (bodyText !== undefined) headers['content-type'] = 'application/json';

    let feedback: RateLimitFeedback | null = null;
    let status = 0;
    try {
      const response = await request(req.url, {
        dispatcher: agent,
        method: req.method,
        headers,
        body: bodyText,
        signal,
      });
      status = response.statusCode;
      if (status === 429) stats.responses429 += 1;
      logger.debug({ endpoint, attempt: attempts, status }, 'intercom response');
      feedback = parseRateLimitHeaders(status, response.headers, options.now());
      let text: string | null;
      try {
        text = await readBody(response.body, options.maxBodyBytes);
      } finally {
        await report(endpoint, feedback);
      }
      const details: IntercomErrorDetails = { endpoint, status, attempts, requestId: headerValue(response.headers, 'x-request-id') };
      const about = req.subject === undefined ? endpoint : `${endpoint} (${redact(req.subject)})`;
      if (text === null) {
        const error = new UnexpectedBodyError(`Intercom ${about} sent a body over ${options.maxBodyBytes} bytes`, {
          ...details,
          reason: 'too-large',
        });
        return { ok: false, error, feedback };
      }
      if (status < 200 || status > 299) return { ok: false, error: errorForStatus(status, text, response.headers, details), feedback };

      let json: unknown;
      try {
        json = parseJsonExact(text);
      } catch {
        const error = new UnexpectedBodyError(`Intercom ${about} answered HTTP ${status} with a body that is not JSON`, {
          ...details,
          reason: 'not-json',
        });
        return { ok: false, error, feedback };
      }
      const parsed = req.parse(json);
      if (!parsed.ok) {
        const error = new UnexpectedBodyError(`Intercom ${about} answered HTTP ${status} with an unexpected body: ${parsed.problem}`, {
          ...details,
          reason: 'wrong-shape',
        });
        return { ok: false, error, feedback };
      }
      return { ok: true, value: parsed.value };
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      const base = { endpoint, attempts, status: status || null };
      if (deadline.expired()) {
        const error = new TimeoutError(`Intercom ${endpoint}: no complete answer within ${attemptDeadlineMs} ms`, {
          ...base,
          phase: 'attempt',
        });
        return { ok: false, error, feedback };
      }
      const facts = networkErrorFacts(err);
      const phase = TIMEOUT_PHASES[facts.code];
      const error = phase
        ? new TimeoutError(`Intercom ${endpoint}: ${phase} timeout (${facts.code})`, { ...base, phase, cause: sanitisedCause(facts) })
        : new ConnectionError(`Intercom ${endpoint}: connection failed (${facts.code})`, {
            ...base,
            reason: facts.code,
            cause: sanitisedCause(facts),
          });
      return { ok: false, error, feedback };
    } finally {
      deadline.dispose();
    }
  }

  async function send<T>(req: TransportRequest<T>): Promise<T> {
    const { endpoint } = req;
    if (closed) throw new ConnectionError(`Intercom ${endpoint}: the client is closed`, { endpoint, reason: 'CLIENT_CLOSED' });
    const bodyText = req.body === undefined ? undefined : JSON.stringify(req.body);
    let attempts = 0;
    let failures = 0;
    let waits429 = 0;
    for (;;) {
      req.signal?.throwIfAborted();
      await takeToken(endpoint, req.signal);
      attempts += 1;
      stats.calls += 1;
      stats.callsByEndpoint[endpoint] = (stats.callsByEndpoint[endpoint] ?? 0) + 1;
      if (attempts > 1) stats.retries += 1;

      const outcome = await attempt(req, bodyText, attempts);
      if (outcome.ok) return outcome.value;
      const { error, feedback } = outcome;
      if (!isRetryable(error)) throw error;

      const is429 = error instanceof RateLimitedError;
      if (is429) waits429 += 1;
      else failures += 1;
      if (is429 ? waits429 > retry.max429Waits : failures >= retry.maxAttempts) throw error;

      const wait = planRetryWait({
        failures: is429 ? waits429 : failures,
        feedback,
        nowMs: options.now(),
        random: options.random,
        policy: retry,
      });
      if (wait.kind === 'give-up') {
        if (!is429) throw error;
        throw new RateLimitedError(`${error.message}; the server asked to wait ${wait.retryAfterMs} ms, more than the client waits`, {
          endpoint,
          status: error.status,
          intercomCode: error.intercomCode,
          requestId: error.requestId,
          attempts,
          retryAfterMs: wait.retryAfterMs,
        });
      }
      const log = is429 ? logger.warn : logger.debug;
      log.call(logger, { endpoint, attempt: attempts, status: error.status, errCode: error.code, waitMs: wait.waitMs }, 'intercom call will be retried');
      await options.sleep(wait.waitMs, req.signal);
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    const stuck = await Promise.race([agent.close().then(() => false), timedOut]);
    clearTimeout(timer);
    if (stuck) await agent.destroy();
  }

  return { send, stats, close };
}
