/**
 * Typed errors of the Intercom client. Every error carries a stable `code` and the facts a caller or an
 * operator needs (HTTP status, Intercom's own error code, request id, an endpoint LABEL), and nothing
 * else: never a URL with query identifiers, never request options or headers, never an undici error
 * (those are replaced by a sanitised summary), so the token cannot travel with an error.
 *
 * Whether a failure is worth another attempt is told once, by `isRetryable`: the client's retry
 * decision (planRetryWait) and the job layer's (`isPermanent`) both build on it.
 */

export interface IntercomErrorDetails {
  /** A label such as 'contacts.search' or 'events'; never a URL. */
  endpoint: string;
  /** HTTP status, or null when no response was received. */
  status?: number | null;
  /** `errors[0].code` of an Intercom error body. */
  intercomCode?: string | null;
  /** `errors[0].field` of an Intercom error body: the parameter it refused (e.g. 'per_page'). */
  intercomField?: string | null;
  requestId?: string | null;
  /** HTTP attempts spent on the call that failed. */
  attempts?: number;
  cause?: Error;
}

export abstract class IntercomError extends Error {
  abstract readonly code: string;
  readonly status: number | null;
  readonly intercomCode: string | null;
  readonly intercomField: string | null;
  readonly requestId: string | null;
  readonly endpoint: string;
  readonly attempts: number;

  constructor(message: string, details: IntercomErrorDetails) {
    super(message, details.cause ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.status = details.status ?? null;
    this.intercomCode = details.intercomCode ?? null;
    this.intercomField = details.intercomField ?? null;
    this.requestId = details.requestId ?? null;
    this.endpoint = details.endpoint;
    this.attempts = details.attempts ?? 1;
  }
}

/** 401 or 403: the token is wrong, revoked or lacks a scope. Fatal, never retried. */
export class AuthenticationError extends IntercomError {
  readonly code = 'INTERCOM_AUTHENTICATION';
}

/** 404: the resource (a segment, tag or contact) does not exist (any more). */
export class NotFoundError extends IntercomError {
  readonly code = 'INTERCOM_NOT_FOUND';
}

/** 400, 422 and every other 4xx that is not retried: the request itself is wrong. */
export class BadRequestError extends IntercomError {
  readonly code = 'INTERCOM_BAD_REQUEST';
}

/** 429 after the call's waits were used up, or a server-requested wait longer than the client accepts. */
export class RateLimitedError extends IntercomError {
  readonly code = 'INTERCOM_RATE_LIMITED';
  /** How long the server asked to wait, when it said so (Retry-After or X-RateLimit-Reset). */
  readonly retryAfterMs: number | null;

  constructor(message: string, details: IntercomErrorDetails & { retryAfterMs?: number | null }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs ?? null;
  }
}

/** 5xx after the retries were used up. */
export class ServerError extends IntercomError {
  readonly code = 'INTERCOM_SERVER_ERROR';
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'attempt' | 'server';

/**
 * No answer in time: connecting, waiting for headers, reading the body, the whole attempt, or a 408
 * from the server ('server'). (No rate-limit token in time is the limiter's RateLimitWaitTimeoutError.)
 */
export class TimeoutError extends IntercomError {
  readonly code = 'INTERCOM_TIMEOUT';
  readonly phase: TimeoutPhase;

  constructor(message: string, details: IntercomErrorDetails & { phase: TimeoutPhase }) {
    super(message, details);
    this.phase = details.phase;
  }
}

/** The connection failed (refused, reset, DNS, TLS). `reason` is the system or undici error code. */
export class ConnectionError extends IntercomError {
  readonly code = 'INTERCOM_CONNECTION';
  readonly reason: string;

  constructor(message: string, details: IntercomErrorDetails & { reason: string }) {
    super(message, details);
    this.reason = details.reason;
  }
}

export type UnexpectedBodyReason = 'not-json' | 'wrong-shape' | 'too-large' | 'unexpected-status';

/** A body that is not JSON, not the documented shape, too large, or a status the API never documents. */
export class UnexpectedBodyError extends IntercomError {
  readonly code = 'INTERCOM_UNEXPECTED_BODY';
  readonly reason: UnexpectedBodyReason;

  constructor(message: string, details: IntercomErrorDetails & { reason: UnexpectedBodyReason }) {
    super(message, details);
    this.reason = details.reason;
  }
}

/** A cursor or next-page URL came back a second time: the API is looping, and following it would never end. */
export class PaginationLoopError extends IntercomError {
  readonly code = 'INTERCOM_PAGINATION_LOOP';
}

/**
 * Page after page pointed further while bringing nothing new (no item id not seen before in the list),
 * more times in a row than MAX_PAGES_WITHOUT_NEW_ITEMS allows: following it would never end, and would
 * spend the rate allowance for nothing. `subject` names the contact or cohort the list was about.
 */
export class PaginationStalledError extends IntercomError {
  readonly code = 'INTERCOM_PAGINATION_STALLED';
  readonly subject: string | null;

  constructor(message: string, details: IntercomErrorDetails & { subject?: string | null }) {
    super(message, details);
    this.subject = details.subject ?? null;
  }
}

/** `pages.next` points at another origin than the configured base URL; following it would send the token there. */
export class ForeignNextUrlError extends IntercomError {
  readonly code = 'INTERCOM_FOREIGN_NEXT_URL';
}

/** Options that cannot work (an http:// URL to a remote host, a bad page size). Says what to do instead. */
export class IntercomOptionsError extends Error {
  readonly code = 'INTERCOM_CONFIGURATION';

  constructor(message: string) {
    super(message);
    this.name = 'IntercomOptionsError';
  }
}

/** Network error codes worth another attempt: the server or the path may be back in a moment. */
const TRANSIENT_CONNECTION_REASONS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_CHUNK_SIZE',
]);

/**
 * Which failures are worth another attempt. Retryable: 408/timeouts, 429, 5xx, transient network failures, and a body
 * that is not JSON (a proxy's HTML page, a truncated response: bounded retries cost little and a real
 * proxy does produce them, even with status 200). Everything else — authentication, 404, other 4xx,
 * a JSON body of the wrong shape, a pagination loop or stall, a foreign next URL, bad configuration — fails the
 * same way every time. Errors that are not the client's (a caller's abort, a programming error) are
 * neither retryable nor permanent here: `isRetryable` and `isPermanent` both answer false.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RateLimitedError || err instanceof ServerError || err instanceof TimeoutError) return true;
  if (err instanceof ConnectionError) return TRANSIENT_CONNECTION_REASONS.has(err.reason);
  if (err instanceof UnexpectedBodyError) return err.reason === 'not-json';
  return false;
}

/** True for client errors that will fail the same way on every retry (see `isRetryable`). */
export function isPermanent(err: unknown): boolean {
  if (err instanceof IntercomOptionsError) return true;
  return err instanceof IntercomError && !isRetryable(err);
}
