/**
 * Every wait is bounded by one maximum (MAX_PAUSE_MS = 60 s), whatever a server asks: the pure maths
 * of each path — the client's retry wait, the shared limiter's pause, the worker's queue-wide pause,
 * every job's backoff — given a Retry-After or X-RateLimit-Reset of a year, and how `status` shows a
 * pause. Expected values are written out by hand from the rules, not computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { CHILD_JOB_ATTEMPTS, CHILD_JOB_BACKOFF } from '../../jobs/child-job.js';
import { RUN_JOB_OPTIONS } from '../../jobs/enqueue-run.js';
import { exponentialBackoff, longestBackoffMs } from '../../jobs/exponential-backoff.js';
import { classifyJobError } from '../../jobs/map-job-error.js';
import { SCHEDULED_RUN_OPTIONS } from '../../jobs/upsert-schedule.js';
import { formatPause, formatRunStatus, type RunStatus } from '../../src/cli/status-command.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { RateLimitedError, ServerError } from '../../src/intercom/errors.js';
import { DEFAULT_RETRY_POLICY, NO_FAILURES, planRetryWait } from '../../src/intercom/plan-retry-wait.js';
import { RateLimitSettingsError, RateLimitWaitTimeoutError } from '../../src/rate-limit/errors.js';
import { capPauseMs, MAX_PAUSE_MS } from '../../src/rate-limit/max-pause.js';
import { pauseUntilMs, planReport } from '../../src/rate-limit/plan-report.js';
import type { RateLimitFeedback } from '../../src/rate-limit/rate-limiter.js';
import { validateRateLimitSettings } from '../../src/rate-limit/validate-rate-limit-settings.js';
import { createFaultPicker } from '../../src/sandbox/create-fault-picker.js';

const YEAR_SEC = 31_536_000;
const NOW_MS = 1_700_000_000_000;
const almostOne = (): number => 0.999_999;

function refused(partial: Partial<RateLimitFeedback>): RateLimitFeedback {
  return { status: 429, limit: 200, remaining: 0, resetAtSec: null, retryAfterSec: null, ...partial };
}

describe('the one maximum', () => {
  it('is 60 seconds', () => {
    expect(MAX_PAUSE_MS).toBe(60_000);
  });

  it('capPauseMs bounds a wait by the maximum, a lower configured one, and zero', () => {
    expect(capPauseMs(YEAR_SEC * 1000)).toBe(60_000);
    expect(capPauseMs(59_999)).toBe(59_999);
    expect(capPauseMs(YEAR_SEC * 1000, 1_500)).toBe(1_500);
    // A configured bound above the maximum is no bound above it.
    expect(capPauseMs(YEAR_SEC * 1000, 10 * 60_000)).toBe(60_000);
    expect(capPauseMs(-5)).toBe(0);
    expect(capPauseMs(Number.NaN)).toBe(0);
  });
});

describe("the client's own wait before the next attempt", () => {
  const limited = new RateLimitedError('429', { endpoint: 'events', status: 429 });
  const unavailable = new ServerError('503', { endpoint: 'events', status: 503 });

  it('waits at most 60 s on a 429 whose Retry-After is a year, jitter included, and then tries again', () => {
    const plan = planRetryWait({ error: limited, counts: NO_FAILURES, feedback: refused({ retryAfterSec: YEAR_SEC }), nowMs: NOW_MS, random: almostOne, policy: DEFAULT_RETRY_POLICY });
    expect(plan.waitMs).toBe(60_000);
  });

  it('waits at most the backoff ceiling (30 s) on a 429 whose X-RateLimit-Reset is a year away', () => {
    const feedback = refused({ resetAtSec: NOW_MS / 1000 + YEAR_SEC });
    const plan = planRetryWait({ error: limited, counts: NO_FAILURES, feedback, nowMs: NOW_MS, random: () => 0, policy: DEFAULT_RETRY_POLICY });
    expect(plan.waitMs).toBe(30_000);
  });

  it('bounds a Retry-After on a 503 the same way', () => {
    const feedback: RateLimitFeedback = { status: 503, limit: null, remaining: null, resetAtSec: null, retryAfterSec: YEAR_SEC };
    const plan = planRetryWait({ error: unavailable, counts: NO_FAILURES, feedback, nowMs: NOW_MS, random: () => 0, policy: DEFAULT_RETRY_POLICY });
    expect(plan.waitMs).toBe(60_000);
  });

  it('never waits past the maximum even when a policy allows more', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxServerWaitMs: 10 * 60_000, maxDelayMs: 10 * 60_000, maxAttempts: 21 };
    const server = planRetryWait({ error: limited, counts: NO_FAILURES, feedback: refused({ retryAfterSec: YEAR_SEC }), nowMs: NOW_MS, random: () => 0, policy });
    const backoff = planRetryWait({ error: unavailable, counts: { failures: 19, waits429: 0 }, feedback: null, nowMs: NOW_MS, random: almostOne, policy });
    expect(server.waitMs).toBe(60_000);
    expect(backoff.waitMs).toBe(60_000);
  });

  it('waits the configured lower bound (as the tests configure it)', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxServerWaitMs: 1_500 };
    const plan = planRetryWait({ error: limited, counts: NO_FAILURES, feedback: refused({ retryAfterSec: YEAR_SEC }), nowMs: NOW_MS, random: () => 0, policy });
    expect(plan.waitMs).toBe(1_500);
  });
});

describe("the shared limiter's pause", () => {
  const WINDOW_MS = 10_000;

  it('ends within 60 s when Retry-After asks for a year', () => {
    expect(pauseUntilMs(refused({ retryAfterSec: YEAR_SEC }), NOW_MS, WINDOW_MS)).toBe(NOW_MS + 60_000);
  });

  it('ends within one window when X-RateLimit-Reset is a year away', () => {
    expect(pauseUntilMs(refused({ resetAtSec: NOW_MS / 1000 + YEAR_SEC }), NOW_MS, WINDOW_MS)).toBe(NOW_MS + 10_000);
  });

  it('ends within 60 s even when the configured window is longer (a 429 without a time waits one window)', () => {
    expect(pauseUntilMs(refused({}), NOW_MS, 3_600_000)).toBe(NOW_MS + 60_000);
  });

  it('ends within a lower configured maximum', () => {
    expect(pauseUntilMs(refused({ retryAfterSec: YEAR_SEC }), NOW_MS, WINDOW_MS, 1_500)).toBe(NOW_MS + 1_500);
  });

  it('freezes the bucket and sets the pause key for at most 60 s', () => {
    const decision = planReport({
      allowancePerWindow: 200,
      windowMs: WINDOW_MS,
      share: 0.9,
      latencyMarginMs: 100,
      nowMs: NOW_MS,
      feedback: refused({ retryAfterSec: YEAR_SEC, resetAtSec: NOW_MS / 1000 + YEAR_SEC }),
      state: { tokens: 3, updatedAtMs: NOW_MS },
      pausedUntilMs: null,
      learnedLimit: null,
    });
    expect(decision.pause).not.toBeNull();
    expect(decision.pause!.pauseTtlMs).toBe(60_000);
    expect(decision.pause!.untilMs).toBe(NOW_MS + 60_000);
    expect(decision.pause!.state!.updatedAtMs).toBe(NOW_MS + 60_000);
  });

  it('refuses a configured maximum above 60 s', () => {
    expect(() => validateRateLimitSettings({ allowancePerWindow: 200, windowSeconds: 10, maxPauseMs: 120_000 })).toThrow(RateLimitSettingsError);
    expect(validateRateLimitSettings({ allowancePerWindow: 200, windowSeconds: 10 }).maxPauseMs).toBe(60_000);
  });
});

describe("the worker's queue-wide pause (worker.rateLimit)", () => {
  it('is at most 60 s for a RateLimitedError that carries a year', () => {
    const err = new RateLimitedError('429', { endpoint: 'events', status: 429, retryAfterMs: YEAR_SEC * 1000 });
    expect(classifyJobError(err)).toEqual({ kind: 'rate-limited', pauseMs: 60_000 });
    expect(classifyJobError(err, 1_500)).toEqual({ kind: 'rate-limited', pauseMs: 1_500 });
  });

  it('is at most 60 s when the limiter says the next token is a year away', () => {
    expect(classifyJobError(new RateLimitWaitTimeoutError(60_000, YEAR_SEC * 1000))).toEqual({ kind: 'rate-limited', pauseMs: 60_000 });
  });

  it('keeps a short server wait as it is', () => {
    const err = new RateLimitedError('429', { endpoint: 'events', status: 429, retryAfterMs: 7_000 });
    expect(classifyJobError(err)).toEqual({ kind: 'rate-limited', pauseMs: 7_000 });
  });
});

describe('job backoffs', () => {
  it('waits delay·2^(attemptsMade−1): the longest wait is the one before the last attempt', () => {
    // 5 attempts from 5 s: retries after 5, 10, 20 and 40 s.
    expect(longestBackoffMs(5, 5_000)).toBe(40_000);
    expect(longestBackoffMs(1, 5_000)).toBe(0);
  });

  it('keeps every job type within 60 s', () => {
    expect(longestBackoffMs(CHILD_JOB_ATTEMPTS, CHILD_JOB_BACKOFF.delay)).toBe(32_000);
    expect(longestBackoffMs(RUN_JOB_OPTIONS.attempts, RUN_JOB_OPTIONS.backoff.delay)).toBe(40_000);
    expect(longestBackoffMs(SCHEDULED_RUN_OPTIONS.attempts, SCHEDULED_RUN_OPTIONS.backoff.delay)).toBe(40_000);
  });

  it('refuses a backoff that would wait longer (the scheduled run once waited 80 s before its last attempt)', () => {
    expect(() => exponentialBackoff(5, 10_000)).toThrow(/80000 ms, more than MAX_PAUSE_MS 60000/);
  });
});

describe('configuration', () => {
  it('defaults rateLimit.maxPauseMs to the maximum and refuses more', () => {
    expect(loadConfig({ env: {}, requireToken: false }).config.rateLimit.maxPauseMs).toBe(60_000);
    expect(loadConfig({ env: { RATE_LIMIT_MAX_PAUSE_MS: '1500' }, requireToken: false }).config.rateLimit.maxPauseMs).toBe(1_500);
    expect(() => loadConfig({ env: { RATE_LIMIT_MAX_PAUSE_MS: '31536000000' }, requireToken: false })).toThrow(ConfigError);
  });
});

describe('status shows a pause', () => {
  const waiting: RunStatus = {
    months: '2026-10',
    timeZone: 'UTC',
    jobId: 'run.2026-10.UTC',
    state: 'waiting',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    outDir: '/reports',
    dirs: [],
    progress: null,
    failedReason: null,
    pausedUntil: '2026-11-02T14:03:07.400Z',
  };

  it("as 'paused by the API's rate limit until HH:MM:SS'", () => {
    expect(formatPause('2026-11-02T14:03:07.400Z', 'UTC')).toBe("paused by the API's rate limit until 14:03:07");
    expect(formatPause('2026-11-02T23:59:59.999Z', 'Europe/Berlin')).toBe("paused by the API's rate limit until 00:59:59");
  });

  it('on the line of a waiting run', () => {
    const line = formatRunStatus(waiting, 'UTC');
    expect(line).toContain("· paused by the API's rate limit until 14:03:07 ·");
    expect(line).toContain('not started');
    expect(formatRunStatus({ ...waiting, pausedUntil: null }, 'UTC')).not.toContain('paused');
  });
});

describe("the sandbox's year-long 429 (faults.retryAfter429)", () => {
  it('answers the requests after `afterRequests`, `count` of them, and no other', () => {
    const picker = createFaultPicker({ retryAfter429: { afterRequests: 3, retryAfterSec: YEAR_SEC, count: 2 } });
    const kinds = Array.from({ length: 8 }, () => picker.next().kind);
    expect(kinds).toEqual(['none', 'none', 'none', 'retryAfter429', 'retryAfter429', 'none', 'none', 'none']);
    const once = createFaultPicker({ retryAfter429: { afterRequests: 0, retryAfterSec: YEAR_SEC } });
    expect(once.next()).toEqual({ kind: 'retryAfter429', retryAfterSec: YEAR_SEC });
    expect(once.next().kind).toBe('none');
  });
});
