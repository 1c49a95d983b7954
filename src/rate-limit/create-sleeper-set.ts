import { RateLimitAbortedError, RateLimitWaitTimeoutError } from './errors.js';

/** When a take() gives up (see waitForGrant): `atMs` on the sleeper set's clock. */
export interface TakeDeadline {
  atMs: number;
  maxWaitMs: number;
}

export interface SleepOptions {
  signal?: AbortSignal | undefined;
  /** A sleeper holding a reserved token: a pause moves its due time on (see {@link SleeperSet.shift}). */
  shiftable: boolean;
  /** The take's deadline: a shift that moves the due time past it fails the sleeper with RateLimitWaitTimeoutError. */
  deadline: TakeDeadline;
}

export interface SleeperSet {
  /** Resolves after `ms`; rejects with RateLimitAbortedError when `signal` aborts, or with closeAll's error. */
  sleep(ms: number, options: SleepOptions): Promise<void>;
  /** A pause froze the bucket for `ms` more: every reserved token falls due `ms` later (or past its deadline: it fails). */
  shift(ms: number): void;
  /** Rejects every sleeper (the limiter is closing). */
  closeAll(error: Error): void;
}

interface Sleeper {
  dueMs: number;
  shiftable: boolean;
  deadline: TakeDeadline;
  timer: NodeJS.Timeout | undefined;
  wake(): void;
  fail(error: Error): void;
}

/**
 * The limiter's sleeping callers. A token reserved before a pause must not be spent during it: a pause
 * shifts the whole schedule (the bucket is frozen), so each reserved sleeper moves on by the same
 * amount — unless that takes it past its take's deadline, which bounds this wait like every other
 * wait for a token. `clockMs` only measures elapsed time for rescheduling.
 */
export function createSleeperSet(clockMs: () => number): SleeperSet {
  const sleepers = new Set<Sleeper>();

  function arm(sleeper: Sleeper): void {
    clearTimeout(sleeper.timer);
    sleeper.timer = setTimeout(sleeper.wake, Math.max(0, sleeper.dueMs - clockMs()));
  }

  return {
    sleep(ms, { signal, shiftable, deadline }) {
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
          deadline,
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
        if (sleeper.dueMs > sleeper.deadline.atMs) {
          sleeper.fail(new RateLimitWaitTimeoutError(sleeper.deadline.maxWaitMs, Math.ceil(sleeper.dueMs - clockMs())));
        } else {
          arm(sleeper);
        }
      }
    },
    closeAll(error) {
      for (const sleeper of [...sleepers]) sleeper.fail(error);
    },
  };
}
