import type { RateLimitSettings } from './rate-limiter.js';
import { RateLimitSettingsError } from './errors.js';
import { MAX_PAUSE_MS } from './max-pause.js';

/** Other integrations draw on the same workspace budget: by default use 90% of the allowance. */
export const DEFAULT_RATE_LIMIT_SHARE = 0.9;

/**
 * Checks settings once, reporting every problem together, and returns a frozen copy. `share` may be
 * omitted and defaults to {@link DEFAULT_RATE_LIMIT_SHARE}; `maxPauseMs` to {@link MAX_PAUSE_MS}.
 *
 * @example validateRateLimitSettings({ allowancePerWindow: 200, windowSeconds: 10 }).share // 0.9
 */
export function validateRateLimitSettings(
  settings: Omit<RateLimitSettings, 'share'> & { share?: number },
): Readonly<Required<RateLimitSettings>> {
  const share = settings.share ?? DEFAULT_RATE_LIMIT_SHARE;
  const maxPauseMs = settings.maxPauseMs ?? MAX_PAUSE_MS;
  const problems: string[] = [];
  if (!Number.isInteger(settings.allowancePerWindow) || settings.allowancePerWindow < 1) {
    problems.push(`allowancePerWindow must be an integer >= 1 (got ${String(settings.allowancePerWindow)})`);
  }
  if (!Number.isFinite(settings.windowSeconds) || settings.windowSeconds <= 0) {
    problems.push(`windowSeconds must be a number > 0 (got ${String(settings.windowSeconds)})`);
  }
  if (!Number.isFinite(share) || share <= 0 || share > 1) {
    problems.push(`share must be in (0, 1] (got ${String(share)})`);
  }
  if (!Number.isInteger(maxPauseMs) || maxPauseMs < 1 || maxPauseMs > MAX_PAUSE_MS) {
    problems.push(`maxPauseMs must be an integer from 1 to ${MAX_PAUSE_MS} (got ${String(maxPauseMs)})`);
  }
  if (problems.length > 0) throw new RateLimitSettingsError(problems);
  return Object.freeze({
    allowancePerWindow: settings.allowancePerWindow,
    windowSeconds: settings.windowSeconds,
    share,
    maxPauseMs,
  });
}
