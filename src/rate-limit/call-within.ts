import { sleep } from '../shared/sleep.js';
import { withTimeout } from '../shared/with-timeout.js';
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
    try {
      return await withTimeout(fn(), remainingMs, () => {
        throw new Error(`no answer within ${budgetMs} ms`);
      });
    } catch (err) {
      lastError = err;
    }
    const leftMs = budgetMs - (clockMs() - startedMs);
    if (leftMs <= backoffMs) break;
    await sleep(backoffMs);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }
  throw new RateLimiterUnavailableError(budgetMs, { cause: lastError });
}
