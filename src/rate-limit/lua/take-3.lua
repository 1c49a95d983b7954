--[[
  Takes one token from the shared bucket, or says how long to wait. The only writer of the bucket
  besides report-3.lua; mirrors planTake() and bucketShape() in ../plan-take.ts and ../bucket-shape.ts.

  Input:
    KEYS[1] bucket: hash { tokens, updatedAtMs }; tokens may be negative (reserved ahead of refill)
    KEYS[2] pause: string, Redis-clock ms until which every process waits (expires with the pause)
    KEYS[3] learned limit: string, an X-RateLimit-Limit lower than the configured allowance

    ARGV[1] allowancePerWindow  the configured allowance (passed on every call: no stale settings win)
    ARGV[2] windowMs
    ARGV[3] share               in (0, 1]
    ARGV[4] latencyMarginMs

  Output: { kind, waitMs, allowancePerWindow }
    kind 1 granted: send after waitMs (0 = now); the token is spent
    kind 2 paused:  the server said stop; try again after waitMs (plus jitter)
    kind 3 retry:   the next token is beyond the reservation horizon; try again after waitMs
    allowancePerWindow: the allowance in force (lower than ARGV[1] when learned from the server)

  Clock: Redis TIME only, so processes on machines with different clocks share one timeline.
]]
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000

local configured = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local share = tonumber(ARGV[3])
local latencyMarginMs = tonumber(ARGV[4])

local allowance = configured
local learned = tonumber(redis.call('GET', KEYS[3]) or '')
if learned and learned >= 1 and learned < configured then
  allowance = learned
end

local pausedUntilMs = tonumber(redis.call('GET', KEYS[2]) or '')
if pausedUntilMs and pausedUntilMs > nowMs then
  return { 2, math.ceil(pausedUntilMs - nowMs), allowance }
end

local spanMs = windowMs + latencyMarginMs
local refillPerMs = math.min(share * allowance / windowMs, math.max(allowance - 1, 0.5) / spanMs)
local capacity = math.max(1, allowance - refillPerMs * spanMs)
local reserveHorizonMs = math.min(1000, windowMs / 4)

local tokens = capacity
local updatedAtMs = nowMs
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updatedAtMs')
if stored[1] and stored[2] then
  local storedAtMs = tonumber(stored[2])
  tokens = math.min(capacity, tonumber(stored[1]) + math.max(0, nowMs - storedAtMs) * refillPerMs)
  updatedAtMs = math.max(nowMs, storedAtMs)
end

local waitMs = 0
if tokens < 1 then
  -- While a pause froze the bucket, refill only starts at updatedAtMs.
  waitMs = math.ceil(updatedAtMs - nowMs + (1 - tokens) / refillPerMs)
  if waitMs > reserveHorizonMs then
    return { 3, math.ceil(waitMs - reserveHorizonMs), allowance }
  end
end

tokens = tokens - 1
-- Expire only once the bucket would be full again: expiry and a full bucket are the same state.
local ttlMs = math.ceil(math.max(0, updatedAtMs - nowMs) + (capacity - tokens) / refillPerMs + windowMs)
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updatedAtMs', string.format('%.17g', updatedAtMs))
redis.call('PEXPIRE', KEYS[1], ttlMs)
return { 1, waitMs, allowance }
