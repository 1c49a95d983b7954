--[[
  Reads a run's request counters (../../../jobs/run-request-stats.ts), summed over every writer, with
  the server's run_id, in one step so the tags are compared with the server that answered.

  Input:
    KEYS[1] request stats: hash (see save-request-stats.lua; plain `apiCalls`, `responses429`,
            `retries` fields are increments written by older versions, summed too)

  Output: { apiCalls, responses429, retries, lowerBound (0 or 1) }
]]
local info = redis.call('INFO', 'server')
local runId = string.match(info, 'run_id:(%x+)') or ''
local all = redis.call('HGETALL', KEYS[1])
local sums = { apiCalls = 0, responses429 = 0, retries = 0 }
local lowerBound = 0
for i = 1, #all, 2 do
  local field, value = all[i], all[i + 1]
  local name = string.match(field, ':([%w]+)$') or field
  if name == 'redis' then
    if value ~= runId then lowerBound = 1 end
  elseif sums[name] ~= nil then
    sums[name] = sums[name] + tonumber(value)
  end
end
return { sums.apiCalls, sums.responses429, sums.retries, lowerBound }
