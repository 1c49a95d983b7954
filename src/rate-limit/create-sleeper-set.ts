import { RateLimitAbortedError } from './errors.js';

export interface SleepOptions {
  signal?: AbortSignal | undefined;
  /** A sleeper holding a reserved token: a pause moves its due time on (see {@link SleeperSet.shift}). */
  shiftable: boolean;
}

export interface SleeperSet {
  /** Resolves after `ms`; rejects with RateLimitAbortedError when `signal` aborts, or with closeAll's error. */
  sleep(ms: number, options: SleepOptions): Promise<void>;
  /** A pause froze the bucket for `ms` more: every reserved token falls due `ms` later. */
  shift(ms: number): void;
  /** Rejects every sleeper (the limiter is closing). */
  closeAll(error: Error): void;
}

interface Sleeper {
  dueMs: number;
  shiftable: boolean;
  timer: NodeJS.Timeout | undefined;
  wake(): void;
  fail(error: Error): void;
}

/**
 * The limiter's sleeping callers. A token reserved before a pause must not be spent during it: a pause
 * shifts the whole schedule (the bucket is frozen), so each reserved sleeper moves on by the same
 * amount. `clockMs` only measures elapsed time for rescheduling.
 */
export function createSleeperSet(clockMs: () => number): SleeperSet {
  const sleepers = new Set<Sleeper>();

  function arm(sleeper: Sleeper): void {
    clearTimeout(sleeper.timer);
    sleeper.timer = setTimeout(sleeper.wake, Math.max(0, sleeper.dueMs - clockMs()));
  }

  return {
    sleep(ms, { signal, shiftable }) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new RateLimitAbortedError(signal.reason));
          return;
        }
        const onAbort = (): void => sleeper.fail(new RateLimitAbortedError(signal?.reason));
        const settle = (): void => {
          clearTimeout(sleeper.timer);
          sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
        };
        const sleeper: Sleeper = {
          dueMs: clockMs() + ms,
          shiftable,
          timer: undefined,
          wake: () => {
            settle();
            resolve();
          },
          fail: (error) => {
            settle();
            reject(error);
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
        arm(sleeper);
      });
    },
    shift(ms) {
      if (ms <= 0) return;
      for (const sleeper of sleepers) {
        if (!sleeper.shiftable) continue;
        sleeper.dueMs += ms;
        arm(sleeper);
      }
    },
    closeAll(error) {
      for (const sleeper of [...sleepers]) sleeper.fail(error);
    },
  };
}
