--[[
  Records one worker process's request counters for a run (RunStore.flushRequests; ../redis-store.ts):
  its cumulative totals, not increments, so a write Redis lost (a crash before it reached the AOF) or
  one that failed while Redis was down is made good by the process's next write. Each total only
  grows: of two writes of one process arriving out of order, the larger stays. Beside them, the
  server's run_id (which changes on every restart) tags the write: a process whose last write went to
  an earlier incarnation of the server may have had a later write lost (read-request-stats-1.lua).

  Input:
    KEYS[1] request stats: hash { `<writer>:apiCalls|responses429|retries` -> total,
            `<writer>:redis` -> server run_id of its last write,
            `<writer>:perPage` -> the GET /events per_page its client learnt ('150', 'omit', …) }
    ARGV[1] writer id (host, pid and a random part: one per worker process)
    ARGV[2..4] apiCalls, responses429, retries: the writer's totals now
    ARGV[5] ttl seconds
    ARGV[6] the events page size its client learnt ('' while none)

  Output: 1
]]
local info = redis.call('INFO', 'server')
local runId = string.match(info, 'run_id:(%x+)') or ''
local fields = { 'apiCalls', 'responses429', 'retries' }
for i, f in ipairs(fields) do
  local field = ARGV[1] .. ':' .. f
  local stored = tonumber(redis.call('HGET', KEYS[1], field) or '0')
  local now = tonumber(ARGV[1 + i])
  if now > stored then redis.call('HSET', KEYS[1], field, ARGV[1 + i]) end
end
redis.call('HSET', KEYS[1], ARGV[1] .. ':redis', runId)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], ARGV[1] .. ':perPage', ARGV[6]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
