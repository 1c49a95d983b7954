/**
 * Pacing for the Intercom client: one token bucket sized so that no server window (fixed or sliding,
 * wherever its edges fall) receives more than the allowance, fed back by the server's rate-limit
 * headers. `createRedisLimiter` shares it between any number of processes (fails closed without
 * Redis); `createMemoryLimiter` is its single-process twin.
 */
export type { RateLimiter, RateLimitFeedback, RateLimitSettings } from './rate-limiter.js';
export { createRedisLimiter, DEFAULT_BUCKET_NAME, DEFAULT_COMMAND_TIMEOUT_MS, type RedisLimiterOptions } from './redis-limiter.js';
export { createMemoryLimiter, type MemoryLimiterOptions } from './memory-limiter.js';
export { DEFAULT_RATE_LIMIT_SHARE, validateRateLimitSettings } from './validate-rate-limit-settings.js';
export { DEFAULT_LATENCY_MARGIN_MS, bucketShape, effectiveAllowance, type BucketShape } from './bucket-shape.js';
export { DEFAULT_MAX_WAIT_MS } from './wait-for-grant.js';
export { rateLimitKeys } from './rate-limit-keys.js';
export * from './errors.js';
