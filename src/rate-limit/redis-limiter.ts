import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { RateLimitFeedback, RateLimiter, RateLimitSettings } from './rate-limiter.js';
import { DEFAULT_LATENCY_MARGIN_MS } from './bucket-shape.js';
import { callWithin } from './call-within.js';
import { createScriptRunner } from '../shared/create-script-runner.js';
import { createSleeperSet } from './create-sleeper-set.js';
import { rateLimitKeys } from './rate-limit-keys.js';
import { RateLimiterClosedError } from './errors.js';
import { reportScript, takeScript } from './lua-scripts.js';
import { validateRateLimitSettings } from './validate-rate-limit-settings.js';
import { DEFAULT_MAX_WAIT_MS, waitForGrant } from './wait-for-grant.js';
import type { GrantAttempt } from './wait-for-grant.js';

/** Every process of a deployment talking to one workspace shares this bucket unless told otherwise. */
export const DEFAULT_BUCKET_NAME = 'intercom';
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

export interface RedisLimiterOptions {
  /** The caller's client; the limiter never closes it (close() only drops its own subscriber). */
  redis: Redis;
  /** E.g. the deployment's prefix 'cohort-reports'. */
  keyPrefix: string;
  /**
   * Which bucket to draw from (default 'intercom': one bucket per keyPrefix, i.e. per deployment and
   * workspace). Deployments with different prefixes that call the same workspace should pass the same
   * keyPrefix and bucketName to share one allowance.
   */
  bucketName?: string;
  settings: RateLimitSettings;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
  /** Longest a take() waits for a token, then RateLimitWaitTimeoutError (default DEFAULT_MAX_WAIT_MS, 120 s). */
  maxWaitMs?: number;
  /**
   * Longest Redis may take to answer one script call (one attempt of a take(), or a report()), retries
   * included, before failing closed (default 2 s). It bounds a Redis command, not the wait for a token.
   */
  commandTimeoutMs?: number;
  /** See DEFAULT_LATENCY_MARGIN_MS (default 100 ms). */
  latencyMarginMs?: number;
}

const KIND_BY_CODE: Record<number, GrantAttempt['kind']> = { 1: 'granted', 2: 'paused', 3: 'retry' };

function toNumbers(reply: unknown): number[] {
  if (!Array.isArray(reply) || !reply.every((v) => typeof v === 'number')) {
    throw new Error('unexpected reply from the rate-limit script');
  }
  return reply as number[];
}

function arg(value: number | null): string {
  return value === null ? '' : String(value);
}

/**
 * The token bucket shared by every process on every machine that uses the same Redis, keyPrefix and
 * bucketName. State changes only through lua/take-3.lua and lua/report-3.lua (Redis TIME is the only
 * clock; the limits travel with every call). A pause learned by one process reaches the others' next
 * attempt through Redis, and their already reserved tokens through pub/sub (best effort: a missed
 * message costs at most the tokens reserved within one reservation horizon).
 *
 * Fails closed: when Redis does not answer within commandTimeoutMs, take() and report() reject with
 * RateLimiterUnavailableError; nothing is granted without the shared bucket.
 */
export function createRedisLimiter(options: RedisLimiterOptions): RateLimiter {
  const settings = validateRateLimitSettings(options.settings);
  const { redis } = options;
  const random = options.random ?? Math.random;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const windowMs = settings.windowSeconds * 1000;
  const bucketArgs = [
    settings.allowancePerWindow,
    windowMs,
    settings.share,
    options.latencyMarginMs ?? DEFAULT_LATENCY_MARGIN_MS,
  ];
  const { keys, channel } = rateLimitKeys(options.keyPrefix, options.bucketName ?? DEFAULT_BUCKET_NAME);
  const limiterId = randomUUID();
  // performance.now() measures elapsed time for sleeps; it never decides the rate (Redis TIME does).
  const clockMs = (): number => performance.now();
  const sleepers = createSleeperSet(clockMs);
  const runTake = createScriptRunner(redis, takeScript());
  const runReport = createScriptRunner(redis, reportScript());

  let closed = false;
  // The allowance in force as Redis last said it: report() skips the round trip when a response's
  // X-RateLimit-Limit agrees with it.
  let knownAllowance: number = settings.allowancePerWindow;
  let subscriber: Redis | null = null;

  function listenForPauses(): void {
    if (subscriber !== null) return;
    const sub = redis.duplicate();
    subscriber = sub;
    sub.on('error', () => {
      // Best effort: without the subscription, pauses still reach every take() through the script.
    });
    sub.on('message', (_channel: string, message: string) => {
      const [publisherId, shift] = message.split(' ');
      const shiftMs = Number(shift);
      if (publisherId !== limiterId && Number.isFinite(shiftMs)) sleepers.shift(shiftMs);
    });
    sub.subscribe(channel).catch(() => {});
  }

  function needsReport(feedback: RateLimitFeedback): boolean {
    if (feedback.status === 429) return true;
    if (feedback.remaining !== null && feedback.remaining <= 0) return true;
    if (feedback.limit === null || feedback.limit < 1) return false;
    if (feedback.limit < settings.allowancePerWindow) return feedback.limit !== knownAllowance;
    return knownAllowance < settings.allowancePerWindow;
  }

  return {
    async take(signal) {
      if (closed) throw new RateLimiterClosedError();
      listenForPauses();
      await waitForGrant({
        attempt: async () => {
          if (closed) throw new RateLimiterClosedError();
          const reply = toNumbers(await callWithin(() => runTake(keys, bucketArgs), commandTimeoutMs, clockMs));
          const [code = 0, waitMs = 0, allowance = settings.allowancePerWindow] = reply;
          const kind = KIND_BY_CODE[code];
          if (kind === undefined) throw new Error(`unexpected reply code ${code} from the rate-limit script`);
          knownAllowance = allowance;
          return { kind, waitMs };
        },
        sleepers,
        clockMs,
        random,
        windowMs,
        maxWaitMs,
        signal,
      });
    },

    async report(feedback) {
      if (closed || !needsReport(feedback)) return;
      const args = [
        ...bucketArgs,
        feedback.status,
        arg(feedback.limit),
        arg(feedback.remaining),
        arg(feedback.resetAtSec),
        arg(feedback.retryAfterSec),
        channel,
        limiterId,
        settings.maxPauseMs,
      ];
      const reply = toNumbers(await callWithin(() => runReport(keys, args), commandTimeoutMs, clockMs));
      const [shiftMs = 0, , allowance = settings.allowancePerWindow] = reply;
      knownAllowance = allowance;
      sleepers.shift(shiftMs);
    },

    async close() {
      closed = true;
      sleepers.closeAll(new RateLimiterClosedError());
      subscriber?.disconnect();
      subscriber = null;
    },
  };
}
