import { bucketShape, effectiveAllowance } from './bucket-shape.js';

/** What the bucket stores. `tokens` may be negative: tokens reserved ahead of their refill. */
export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date; in the future while the bucket is frozen by a pause. */
  updatedAtMs: number;
}

/** The per-call limits: passed on every call, never stored, so no stale configuration wins. */
export interface BucketParams {
  allowancePerWindow: number;
  windowMs: number;
  share: number;
  latencyMarginMs: number;
}

export interface TakeInput extends BucketParams {
  nowMs: number;
  /** Null when the bucket does not exist yet (or expired: expiry happens only once it is full). */
  state: BucketState | null;
  pausedUntilMs: number | null;
  learnedLimit: number | null;
}

export type TakeDecision =
  /** Send after `waitMs` (0: now). The token is already spent: `state` must be stored. */
  | { kind: 'granted'; waitMs: number; state: BucketState; ttlMs: number; allowancePerWindow: number }
  /** The server asked everyone to stop: try again after `waitMs` (plus jitter). */
  | { kind: 'paused'; waitMs: number; allowancePerWindow: number }
  /** The next token is further away than the reservation horizon: try again after `waitMs`. */
  | { kind: 'retry'; waitMs: number; allowancePerWindow: number };

/** Tokens at `nowMs`: refilled since `updatedAtMs`, capped at the capacity (which may have shrunk). */
export function refillTokens(
  state: BucketState | null,
  nowMs: number,
  capacity: number,
  refillPerMs: number,
): BucketState {
  if (state === null) return { tokens: capacity, updatedAtMs: nowMs };
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  return {
    tokens: Math.min(capacity, state.tokens + elapsedMs * refillPerMs),
    updatedAtMs: Math.max(nowMs, state.updatedAtMs),
  };
}

/**
 * How long the bucket must live: it expires only once it would be full again (so expiry and a full
 * bucket are the same state), plus a window for safety.
 */
export function bucketTtlMs(state: BucketState, nowMs: number, capacity: number, refillPerMs: number, windowMs: number): number {
  return Math.ceil(Math.max(0, state.updatedAtMs - nowMs) + (capacity - state.tokens) / refillPerMs + windowMs);
}

/**
 * One attempt to take a token: grant now, grant a reservation (the caller sleeps until it is due,
 * which spares polling), or say how long to wait. Pure; mirrored line by line in lua/take-3.lua.
 *
 * @example planTake({ nowMs: 0, state: null, pausedUntilMs: null, learnedLimit: null,
 *   allowancePerWindow: 200, windowMs: 10_000, share: 0.9, latencyMarginMs: 100 }).kind // 'granted'
 */
export function planTake(input: TakeInput): TakeDecision {
  const allowancePerWindow = effectiveAllowance(input.allowancePerWindow, input.learnedLimit);
  if (input.pausedUntilMs !== null && input.pausedUntilMs > input.nowMs) {
    return { kind: 'paused', waitMs: Math.ceil(input.pausedUntilMs - input.nowMs), allowancePerWindow };
  }
  const shape = bucketShape({ ...input, allowancePerWindow });
  const current = refillTokens(input.state, input.nowMs, shape.capacity, shape.refillPerMs);
  let waitMs = 0;
  if (current.tokens < 1) {
    // While a pause froze the bucket, refill only starts at `updatedAtMs`.
    waitMs = Math.ceil(current.updatedAtMs - input.nowMs + (1 - current.tokens) / shape.refillPerMs);
    if (waitMs > shape.reserveHorizonMs) {
      return { kind: 'retry', waitMs: Math.ceil(waitMs - shape.reserveHorizonMs), allowancePerWindow };
    }
  }
  const state = { tokens: current.tokens - 1, updatedAtMs: current.updatedAtMs };
  const ttlMs = bucketTtlMs(state, input.nowMs, shape.capacity, shape.refillPerMs, input.windowMs);
  return { kind: 'granted', waitMs, state, ttlMs, allowancePerWindow };
}
