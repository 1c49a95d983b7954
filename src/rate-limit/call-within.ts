import { setTimeout as delay } from 'node:timers/promises';
import { RateLimiterUnavailableError } from './errors.js';

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 500;

/**
 * Calls `fn` until it succeeds or `budgetMs` is spent, retrying failures with a short backoff (a
 * reconnect or a failover may take a moment); then fails closed with RateLimiterUnavailableError. Each
 * call is raced against the remaining budget, so a command stuck in a client's offline queue cannot
 * hold the caller longer. `clockMs` measures elapsed time only.
 */
export async function callWithin<T>(fn: () => Promise<T>, budgetMs: number, clockMs: () => number): Promise<T> {
  const startedMs = clockMs();
  let backoffMs = FIRST_BACKOFF_MS;
  let lastError: unknown;
  for (;;) {
    const remainingMs = budgetMs - (clockMs() - startedMs);
    if (remainingMs <= 0) break;
    const abort = new AbortController();
    try {
      const timeout = delay(remainingMs, undefined, { signal: abort.signal }).then(() => {
        throw new Error(`no answer within ${budgetMs} ms`);
      });
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      lastError = err;
    } finally {
      abort.abort();
    }
    const leftMs = budgetMs - (clockMs() - startedMs);
    if (leftMs <= backoffMs) break;
    await delay(backoffMs);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }
  throw new RateLimiterUnavailableError(budgetMs, { cause: lastError });
}
