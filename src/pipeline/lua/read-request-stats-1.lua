--[[
  Reads a run's request counters (RunStore.progress; ../redis-store.ts), summed over every writer, with
  the server's run_id, in one step so the tags are compared with the server that answered.

  Input:
    KEYS[1] request stats: hash (see save-request-stats-1.lua)

  Output: { apiCalls, responses429, retries, lowerBound (0 or 1), events page size ('' when none) }
  (every client of a run asks the same API, so they learn the same size: any one is the run's)
]]
local info = redis.call('INFO', 'server')
local runId = string.match(info, 'run_id:(%x+)') or ''
local all = redis.call('HGETALL', KEYS[1])
local sums = { apiCalls = 0, responses429 = 0, retries = 0 }
local lowerBound = 0
local perPage = ''
for i = 1, #all, 2 do
  local field, value = all[i], all[i + 1]
  local name = string.match(field, ':([%w]+)$')
  if name == 'redis' then
    if value ~= runId then lowerBound = 1 end
  elseif name == 'perPage' then
    perPage = value
  elseif sums[name] ~= nil then
    sums[name] = sums[name] + tonumber(value)
  end
end
return { sums.apiCalls, sums.responses429, sums.retries, lowerBound, perPage }
