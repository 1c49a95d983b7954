/**
 * The one place a processor's failure is translated for BullMQ, so every job type fails the same way:
 * - the API is rate limiting us beyond what the client waits out (RateLimitedError), or the limiter
 *   has no token in time (RateLimitWaitTimeoutError) → pause the queue for every worker
 *   (worker.rateLimit) and hand the job back with Worker.RateLimitError, which burns no attempt. The
 *   pause is never longer than the maximum (MAX_PAUSE_MS, or the configured rateLimit.maxPauseMs):
 *   a server asking for a year must not stop the deployment for a year; after the pause the job asks
 *   again, one request per pause;
 * - a failure that repeats identically (401/403, 404 of a cohort, bad request, bad plan, bad config)
 *   → UnrecoverableError: failed at once, no retries, and with failParentOnFailure the run fails too;
 * - anything else is transient: thrown as is, retried with the job's backoff.
 * The message keeps the error's stable code; client errors never carry the token (src/intercom/errors.ts).
 */
import { UnrecoverableError, Worker, WaitingChildrenError } from 'bullmq';
import { ConfigError } from '../src/config.js';
import { isPermanent, RateLimitedError } from '../src/intercom/errors.js';
import { RunPlanError } from '../src/pipeline/errors.js';
import { RateLimitWaitTimeoutError } from '../src/rate-limit/errors.js';
import { capPauseMs, MAX_PAUSE_MS } from '../src/rate-limit/max-pause.js';

/** Pause when the server named no wait: one Intercom rate window. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 10_000;

export type JobErrorAction =
  | { kind: 'rate-limited'; pauseMs: number }
  | { kind: 'permanent'; message: string }
  | { kind: 'transient' }
  | { kind: 'bullmq' };

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/**
 * Pure classification (tested without a worker). `maxPauseMs` bounds every queue pause (default and at
 * most MAX_PAUSE_MS).
 */
export function classifyJobError(err: unknown, maxPauseMs: number = MAX_PAUSE_MS): JobErrorAction {
  const paused = (ms: number): JobErrorAction => ({ kind: 'rate-limited', pauseMs: Math.max(1, capPauseMs(ms, maxPauseMs)) });
  if (err instanceof WaitingChildrenError || err instanceof UnrecoverableError) return { kind: 'bullmq' };
  if (err instanceof RateLimitedError) return paused(err.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
  if (err instanceof RateLimitWaitTimeoutError) return paused(Math.max(1000, err.neededMs));
  if (isPermanent(err) || err instanceof RunPlanError || err instanceof ConfigError) {
    const e = err as Error;
    const code = codeOf(err);
    return { kind: 'permanent', message: `${code ? `${code}: ` : ''}${e.message}` };
  }
  return { kind: 'transient' };
}

/** What the processor should throw instead of `err`; `maxPauseMs` as in {@link classifyJobError}. */
export async function mapJobError(err: unknown, worker: Pick<Worker, 'rateLimit'>, maxPauseMs: number = MAX_PAUSE_MS): Promise<unknown> {
  const action = classifyJobError(err, maxPauseMs);
  switch (action.kind) {
    case 'rate-limited':
      await worker.rateLimit(action.pauseMs);
      return Worker.RateLimitError();
    case 'permanent':
      return new UnrecoverableError(action.message);
    default:
      return err;
  }
}
