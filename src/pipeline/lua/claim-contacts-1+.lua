--[[
  Decides which of a fetch-contacts job's contacts the job fetches (RedisStore.claimContacts;
  ../redis-store.ts): those without a result whose claim this job takes or already holds. One key,
  then the buckets of the ids. A claim is `<scope>|<owner>`;
  one of an earlier scope (an earlier round, or a run job since replaced) belongs to a job that no
  longer runs, so it is taken over. save-result-3.lua deletes a contact's claim with its result, so
  the claims hash holds only the contacts being fetched.

  Input:
    KEYS[1] claims: hash { contact id -> `<scope>|<owner job id>` }
    KEYS[2..] the contact buckets of the ids (each given once; see save-page-3+.lua)

    ARGV[1] scope (run job incarnation and round)
    ARGV[2] the asking job's id
    ARGV[3] ttl seconds of the claims hash
    ARGV[4..] pairs: contact id, index into KEYS of its bucket

  Output: the ids the job should fetch, in the order given.
]]
local mine = ARGV[1] .. '|' .. ARGV[2]
local scopePrefix = ARGV[1] .. '|'
local out = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  local record = redis.call('HGET', KEYS[tonumber(ARGV[i + 1])], id)
  local done = false
  if record then
    local _, _, result = split_record(record)
    done = result ~= ''
  end
  if not done then
    local claim = redis.call('HGET', KEYS[1], id)
    if not claim or claim == mine or string.sub(claim, 1, #scopePrefix) ~= scopePrefix then
      redis.call('HSET', KEYS[1], id, mine)
      out[#out + 1] = id
    end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return out
