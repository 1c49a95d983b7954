/**
 * The contract between the Intercom client and whatever paces it. Every HTTP attempt, first or retry,
 * calls `take()` before it is sent and `report()` once its response headers (or failure) are known.
 * Implementations: the in-memory token bucket (one process) and the Redis token bucket (many).
 */

/** What a response tells the limiter. Header values are null when absent or unparsable. */
export interface RateLimitFeedback {
  status: number;
  /** X-RateLimit-Limit: the allowance per window as the server sees it. */
  limit: number | null;
  /** X-RateLimit-Remaining. */
  remaining: number | null;
  /** X-RateLimit-Reset: Unix seconds when the server's window resets. */
  resetAtSec: number | null;
  /** Retry-After in seconds, when present. */
  retryAfterSec: number | null;
}

/**
 * Both calls are bounded by the limiter itself, so a caller adds no timeout of its own (a second limit
 * on the same wait would be a second answer to "how long").
 */
export interface RateLimiter {
  /**
   * Resolves when one request may be sent. Rejects with RateLimitWaitTimeoutError when no token comes
   * within the limiter's `maxWaitMs`, with RateLimitAbortedError when `signal` aborts, and with
   * RateLimiterUnavailableError when its store does not answer.
   */
  take(signal?: AbortSignal): Promise<void>;
  /** Feeds a response's rate-limit headers back (a 429 or `remaining` 0 pauses every user of the limiter until reset). */
  report(feedback: RateLimitFeedback): Promise<void>;
  close(): Promise<void>;
}

/** The allowance the limiter enforces. */
export interface RateLimitSettings {
  /** Requests the server allows per window (Intercom: per 10 seconds). */
  allowancePerWindow: number;
  windowSeconds: number;
  /** Share of the allowance this deployment may use (0 < share <= 1; default 0.9). */
  share: number;
  /**
   * The longest pause a response may impose, in ms: 1 to MAX_PAUSE_MS (max-pause.ts), which is also
   * the default. Lower only in tests, so a server asking for a year is waited out in seconds.
   */
  maxPauseMs?: number;
}
