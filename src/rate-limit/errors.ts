/**
 * Typed errors of the rate limiters. Each has a stable `code`; none carries a Redis client, a URL or a
 * header, so nothing secret can travel with it.
 */

/** The base of the limiter's errors (not to be confused with RateLimitedError, Intercom answering 429). */
export abstract class LimiterError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Redis did not answer one limiter command within its budget (down, unreachable, or too slow). The
 * limiter fails closed: it never falls back to an unshared limiter, because N processes each at the
 * full rate would overrun the allowance N times.
 */
export class RateLimiterUnavailableError extends LimiterError {
  readonly code = 'RATE_LIMITER_UNAVAILABLE';
  readonly waitedMs: number;

  constructor(waitedMs: number, options?: { cause?: unknown }) {
    super(
      `rate limiter unavailable: Redis did not answer within ${waitedMs} ms; no request is sent without a shared token`,
      options,
    );
    this.waitedMs = waitedMs;
  }
}

/**
 * No token in time: the next one would only come after the take's `maxWaitMs` (a long pause, or a
 * deep queue). The one error for this, from either limiter; the job layer pauses the queue on it.
 */
export class RateLimitWaitTimeoutError extends LimiterError {
  readonly code = 'RATE_LIMIT_WAIT_TIMEOUT';
  readonly maxWaitMs: number;
  /** How much longer the next token would have taken. */
  readonly neededMs: number;

  constructor(maxWaitMs: number, neededMs: number) {
    super(`no rate-limit token within maxWaitMs ${maxWaitMs} (next one due in ${neededMs} ms)`);
    this.maxWaitMs = maxWaitMs;
    this.neededMs = neededMs;
  }
}

/** The caller's AbortSignal fired while waiting; `cause` is the signal's reason. */
export class RateLimitAbortedError extends LimiterError {
  readonly code = 'RATE_LIMIT_ABORTED';

  constructor(cause: unknown) {
    super('waiting for a rate-limit token was aborted', { cause });
  }
}

/** `take()` on, or pending during, `close()`. */
export class RateLimiterClosedError extends LimiterError {
  readonly code = 'RATE_LIMITER_CLOSED';

  constructor() {
    super('the rate limiter is closed');
  }
}

/** Settings that cannot describe a rate (each problem listed with its field). */
export class RateLimitSettingsError extends LimiterError {
  readonly code = 'RATE_LIMIT_SETTINGS_INVALID';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid rate-limit settings: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
