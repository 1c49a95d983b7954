/**
 * The server side of Intercom's rate limit: an allowance per window of `windowSeconds` (10 by default).
 * Every admitted-or-refused request counts, as Intercom counts failed requests.
 *
 * - fixed (default): windows aligned to multiples of windowSeconds of Unix time; X-RateLimit-Reset is
 *   the end of the current window.
 * - sliding: the requests of the last windowSeconds; X-RateLimit-Reset is the second at which the
 *   oldest counted request leaves the window (when one slot frees up).
 */
import type { SandboxRateLimit } from './types.js';
import { SandboxError } from './errors.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  resetSec: number;
}

export interface RateWindow {
  readonly allowancePerWindow: number;
  readonly windowSeconds: number;
  /** Counts one request at `nowMs` and says whether it is within the allowance. */
  admit(nowMs: number): RateDecision;
  /** The state the headers of a refused-by-burst answer show: the allowance counted as spent. */
  exhausted(nowMs: number): RateDecision;
}

export const DEFAULT_WINDOW_SECONDS = 10;

function resolve(limit: SandboxRateLimit): Required<SandboxRateLimit> {
  const windowSeconds = limit.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const mode = limit.mode ?? 'fixed';
  const problems: string[] = [];
  if (!Number.isInteger(limit.allowancePerWindow) || limit.allowancePerWindow < 1) problems.push('allowancePerWindow must be an integer >= 1');
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) problems.push('windowSeconds must be an integer >= 1');
  if (mode !== 'fixed' && mode !== 'sliding') problems.push("mode must be 'fixed' or 'sliding'");
  if (problems.length > 0) throw new SandboxError('SANDBOX_INVALID_OPTIONS', `rateLimit: ${problems.join('; ')}`);
  return { allowancePerWindow: limit.allowancePerWindow, windowSeconds, mode };
}

function createFixedWindow(allowance: number, windowSeconds: number): RateWindow {
  let windowStartSec = -1;
  let used = 0;
  const roll = (nowMs: number): number => {
    const startSec = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
    if (startSec !== windowStartSec) {
      windowStartSec = startSec;
      used = 0;
    }
    return startSec + windowSeconds;
  };
  return {
    allowancePerWindow: allowance,
    windowSeconds,
    admit(nowMs) {
      const resetSec = roll(nowMs);
      used += 1;
      return { allowed: used <= allowance, limit: allowance, remaining: Math.max(0, allowance - used), resetSec };
    },
    exhausted(nowMs) {
      return { allowed: false, limit: allowance, remaining: 0, resetSec: roll(nowMs) };
    },
  };
}

function createSlidingWindow(allowance: number, windowSeconds: number): RateWindow {
  const windowMs = windowSeconds * 1000;
  // Request times in arrival order; a ring would be leaner, but the log is bounded by what one window holds.
  let times: number[] = [];
  let head = 0;
  const prune = (nowMs: number): void => {
    while (head < times.length && times[head]! <= nowMs - windowMs) head += 1;
    if (head > 1024 && head * 2 > times.length) {
      times = times.slice(head);
      head = 0;
    }
  };
  const resetOf = (nowMs: number): number => Math.ceil(((times[head] ?? nowMs) + windowMs) / 1000);
  return {
    allowancePerWindow: allowance,
    windowSeconds,
    admit(nowMs) {
      prune(nowMs);
      times.push(nowMs);
      const used = times.length - head;
      return { allowed: used <= allowance, limit: allowance, remaining: Math.max(0, allowance - used), resetSec: resetOf(nowMs) };
    },
    exhausted(nowMs) {
      prune(nowMs);
      return { allowed: false, limit: allowance, remaining: 0, resetSec: resetOf(nowMs) };
    },
  };
}

/**
 * @example
 * const w = createRateWindow({ allowancePerWindow: 2 });
 * w.admit(0).allowed; w.admit(1).allowed; // true, true
 * w.admit(2); // { allowed: false, limit: 2, remaining: 0, resetSec: 10 }
 */
export function createRateWindow(limit: SandboxRateLimit): RateWindow {
  const { allowancePerWindow, windowSeconds, mode } = resolve(limit);
  return mode === 'fixed' ? createFixedWindow(allowancePerWindow, windowSeconds) : createSlidingWindow(allowancePerWindow, windowSeconds);
}
