/**
 * How late a granted request may reach the server compared with the grant (timer lateness, event-loop
 * stalls, network jitter). The bucket is sized so that grants spread over one window plus this margin
 * still fit the allowance.
 */
export const DEFAULT_LATENCY_MARGIN_MS = 100;

export interface BucketShapeInput {
  /** The allowance per window in force (configured, or lower when the server said so). */
  allowancePerWindow: number;
  windowMs: number;
  /** Share of the allowance to use, in (0, 1]. */
  share: number;
  latencyMarginMs: number;
}

export interface BucketShape {
  /** Burst capacity B: the most tokens the bucket holds. */
  capacity: number;
  /** Refill rate r in tokens per millisecond. */
  refillPerMs: number;
  /** How far ahead a token may be reserved (the caller sleeps until it is due instead of polling). */
  reserveHorizonMs: number;
}

/**
 * The token bucket that keeps every server window within the allowance, wherever its edges fall.
 *
 * A bucket of capacity B refilled at r grants at most B + r·T in ANY interval of length T. Requests
 * granted within an interval of W reach the server within W + J (J = latency margin), so choosing
 * B + r·(W + J) <= allowance bounds every fixed or sliding server window without knowing its edges,
 * including the first window (the bucket starts full) and every refill across an edge.
 *
 * r is the configured share of the allowance per window; when that leaves no room for a burst of at
 * least one token (share near 1, tiny allowance or window), r is lowered instead: the allowance wins
 * over the share. (For an allowance of 1, r·(W+J) = 0.5 still admits at most one grant per window,
 * since grants are whole.) This function is mirrored line by line in lua/take-3.lua and
 * lua/report-3.lua.
 *
 * @example bucketShape({ allowancePerWindow: 200, windowMs: 10_000, share: 0.9, latencyMarginMs: 100 })
 * // { capacity: 18.2, refillPerMs: 0.018, reserveHorizonMs: 1000 } (up to float rounding)
 */
export function bucketShape(input: BucketShapeInput): BucketShape {
  const { allowancePerWindow, windowMs, share, latencyMarginMs } = input;
  const spanMs = windowMs + latencyMarginMs;
  const refillPerMs = Math.min(
    (share * allowancePerWindow) / windowMs,
    Math.max(allowancePerWindow - 1, 0.5) / spanMs,
  );
  const capacity = Math.max(1, allowancePerWindow - refillPerMs * spanMs);
  const reserveHorizonMs = Math.min(1000, windowMs / 4);
  return { capacity, refillPerMs, reserveHorizonMs };
}

/**
 * The allowance in force: the configured one, unless the server announced a lower X-RateLimit-Limit
 * (a learned limit of at least 1).
 *
 * @example effectiveAllowance(200, 150) // 150
 * @example effectiveAllowance(200, 500) // 200
 */
export function effectiveAllowance(configured: number, learnedLimit: number | null): number {
  if (learnedLimit !== null && learnedLimit >= 1 && learnedLimit < configured) return learnedLimit;
  return configured;
}
