--[[
  Records what a response said about the server's limit, for every process: a 429 or
  X-RateLimit-Remaining 0 pauses everyone until X-RateLimit-Reset / Retry-After (freezing the bucket,
  so the schedule of granted and reserved tokens shifts as a whole), and an X-RateLimit-Limit below
  the configured allowance lowers the rate for everyone. Mirrors planReport() and pauseUntilMs() in
  ../plan-report.ts.

  Input:
    KEYS[1] bucket: hash { tokens, updatedAtMs }
    KEYS[2] pause: string, Redis-clock ms until which every process waits
    KEYS[3] learned limit: string

    ARGV[1] allowancePerWindow  the configured allowance
    ARGV[2] windowMs
    ARGV[3] share
    ARGV[4] latencyMarginMs
    ARGV[5] status              HTTP status of the response
    ARGV[6] limit               X-RateLimit-Limit, or '' when absent
    ARGV[7] remaining           X-RateLimit-Remaining, or ''
    ARGV[8] resetAtSec          X-RateLimit-Reset (Unix seconds), or ''
    ARGV[9] retryAfterSec       Retry-After in seconds, or ''
    ARGV[10] channel            pub/sub channel told of every pause that starts or grows
    ARGV[11] publisherId        identifies the reporting limiter in the message
    ARGV[12] maxPauseMs         the longest pause any response may impose (MAX_PAUSE_MS, max-pause.ts):
                                the pause key's TTL and the bucket's frozen clock never exceed it

  Output: { shiftMs, pauseWaitMs, allowancePerWindow }
    shiftMs: how far the pause moved on (0: no new pause); reserved tokens fall due that much later
    pauseWaitMs: ms until the pause ends (0: not paused)
    allowancePerWindow: the allowance in force afterwards
  Publishes "<publisherId> <shiftMs>" on ARGV[10] when shiftMs > 0.
]]
local LEARNED_LIMIT_WINDOWS = 60

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000

local configured = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local share = tonumber(ARGV[3])
local latencyMarginMs = tonumber(ARGV[4])
local status = tonumber(ARGV[5])
local limit = tonumber(ARGV[6])
local remaining = tonumber(ARGV[7])
local resetAtSec = tonumber(ARGV[8])
local retryAfterSec = tonumber(ARGV[9])
local maxPauseMs = tonumber(ARGV[12])

local function effectiveAllowance(learnedLimit)
  if learnedLimit and learnedLimit >= 1 and learnedLimit < configured then
    return learnedLimit
  end
  return configured
end

local function bucketShape(allowance)
  local spanMs = windowMs + latencyMarginMs
  local refillPerMs = math.min(share * allowance / windowMs, math.max(allowance - 1, 0.5) / spanMs)
  local capacity = math.max(1, allowance - refillPerMs * spanMs)
  return capacity, refillPerMs
end

local function bucketTtlMs(tokens, updatedAtMs, capacity, refillPerMs)
  return math.ceil(math.max(0, updatedAtMs - nowMs) + (capacity - tokens) / refillPerMs + windowMs)
end

local learnedBefore = tonumber(redis.call('GET', KEYS[3]) or '')
local learnedAfter = learnedBefore
if limit and limit >= 1 then
  if limit < configured then
    redis.call('SET', KEYS[3], limit, 'PX', math.ceil(LEARNED_LIMIT_WINDOWS * windowMs))
    learnedAfter = limit
  elseif learnedBefore then
    redis.call('DEL', KEYS[3])
    learnedAfter = nil
  end
end

-- pauseUntilMs()
local untilMs = nil
if status == 429 or (remaining and remaining <= 0) then
  untilMs = nowMs
  if resetAtSec then
    untilMs = math.max(untilMs, math.min(resetAtSec * 1000, nowMs + windowMs))
  end
  if retryAfterSec then
    untilMs = math.max(untilMs, nowMs + retryAfterSec * 1000)
  end
  if untilMs <= nowMs then
    if status == 429 then
      untilMs = nowMs + windowMs
    else
      untilMs = nil
    end
  end
  if untilMs then
    untilMs = math.min(untilMs, nowMs + maxPauseMs)
  end
end

local pausedUntilMs = tonumber(redis.call('GET', KEYS[2]) or '')
local pausedFromMs = nowMs
if pausedUntilMs and pausedUntilMs > nowMs then
  pausedFromMs = pausedUntilMs
end
local allowanceAfter = effectiveAllowance(learnedAfter)

if not untilMs or untilMs <= pausedFromMs then
  return { 0, math.ceil(pausedFromMs - nowMs), allowanceAfter }
end

local shiftMs = untilMs - pausedFromMs
redis.call('SET', KEYS[2], string.format('%.17g', untilMs), 'PX', math.ceil(untilMs - nowMs))

local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updatedAtMs')
if stored[1] and stored[2] then
  local capacityBefore, refillBefore = bucketShape(effectiveAllowance(learnedBefore))
  local capacityAfter, refillAfter = bucketShape(allowanceAfter)
  local storedAtMs = tonumber(stored[2])
  local tokens = math.min(capacityBefore, tonumber(stored[1]) + math.max(0, nowMs - storedAtMs) * refillBefore)
  local updatedAtMs = math.max(nowMs, storedAtMs) + shiftMs
  local ttlMs = math.max(
    bucketTtlMs(tokens, updatedAtMs, capacityBefore, refillBefore),
    bucketTtlMs(tokens, updatedAtMs, capacityAfter, refillAfter))
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updatedAtMs', string.format('%.17g', updatedAtMs))
  redis.call('PEXPIRE', KEYS[1], ttlMs)
end

redis.call('PUBLISH', ARGV[10], ARGV[11] .. ' ' .. string.format('%.17g', shiftMs))
return { math.ceil(shiftMs), math.ceil(untilMs - nowMs), allowanceAfter }
