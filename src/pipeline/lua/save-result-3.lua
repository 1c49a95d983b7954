--[[
  Records one contact's result atomically (RunStore.saveContactResult; ../redis-store.ts): the result
  part of its record (../contact-record.ts), the counters, and the end of its claim (the claim only
  guards a contact without a result: see claim-contacts-1+.lua).

  Input:
    KEYS[1] the contact's bucket: hash { contact id -> `<cohort indexes>|<member>|<result>` }
    KEYS[2] counters: hash { contacts, done, missing }
    KEYS[3] claims: hash { contact id -> `<scope>|<owner job id>` }

    ARGV[1] contact id
    ARGV[2] the result part (`m`, `o…` or `c…`; never empty)
    ARGV[3] ttl seconds of every key written

  Output: 1
]]
local id = ARGV[1]
local record = redis.call('HGET', KEYS[1], id)
local head = '||'
local previous = ''
if record then
  local cohorts, member
  cohorts, member, previous = split_record(record)
  head = cohorts .. '|' .. member .. '|'
end
if previous == '' then redis.call('HINCRBY', KEYS[2], 'done', 1) end
if previous == 'm' then redis.call('HINCRBY', KEYS[2], 'missing', -1) end
if ARGV[2] == 'm' then redis.call('HINCRBY', KEYS[2], 'missing', 1) end
redis.call('HSET', KEYS[1], id, head .. ARGV[2])
redis.call('HDEL', KEYS[3], id)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
