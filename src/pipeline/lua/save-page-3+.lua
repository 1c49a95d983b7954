--[[
  Records one member page of a cohort atomically (RunStore.savePage; ../redis-store.ts). Three keys,
  then the buckets of the page's members. Each member
  is one field of its bucket hash, holding the record of ../contact-record.ts:
  `<cohort indexes>|<member>|<result>`; this script writes the first two parts and never the result.
  A contact's member part ends with its registration number (the `contacts` counter before it was
  listed), so contacts can be resumed in the order they were first listed.

  Input:
    KEYS[1] cohort progress: hash { cohort key -> JSON CohortProgress }
    KEYS[2] cohort indexes: hash { cohort key -> index }, numbered in the order pages first arrive
    KEYS[3] counters: hash { contacts, done, missing }
    KEYS[4..] the contact buckets the page's members fall in (each given once)

    ARGV[1] cohort key
    ARGV[2] the cursor the page was fetched from ('' = first page)
    ARGV[3] next cursor ('' = last page)
    ARGV[4] total_count ('' = none)
    ARGV[5] ttl seconds of every key written
    ARGV[6..] triples: contact id, member part (without the registration number), index into KEYS of
              its bucket

  Output: the ids listed for the first time in this run, or -1 when the page was already recorded
  (its cursor is not the stored one: a repeat after a crash) and nothing was written.
]]
local progress = page_progress(KEYS[1], ARGV[1], ARGV[2], { cursor = cjson.null, pages = 0, done = false, totalCount = cjson.null })
if not progress then return -1 end

local index = redis.call('HGET', KEYS[2], ARGV[1])
if not index then
  index = tostring(redis.call('HLEN', KEYS[2]))
  redis.call('HSET', KEYS[2], ARGV[1], index)
end

local fresh = {}
local function member(i)
  return ARGV[i + 1] .. ',' .. tostring(redis.call('HINCRBY', KEYS[3], 'contacts', 1) - 1)
end
for i = 6, #ARGV, 3 do
  local id = ARGV[i]
  local bucket = KEYS[tonumber(ARGV[i + 2])]
  local record = redis.call('HGET', bucket, id)
  if not record then
    redis.call('HSET', bucket, id, index .. '|' .. member(i) .. '|')
    fresh[#fresh + 1] = id
  else
    local cohorts, part, result = split_record(record)
    if not string.find(',' .. cohorts .. ',', ',' .. index .. ',', 1, true) then
      -- A contact with a result but never listed (see save-result-3.lua) gets its member part now.
      if cohorts == '' then
        redis.call('HSET', bucket, id, index .. '|' .. member(i) .. '|' .. result)
        fresh[#fresh + 1] = id
      else
        redis.call('HSET', bucket, id, cohorts .. ',' .. index .. '|' .. part .. '|' .. result)
      end
    end
  end
end

advance_page(progress, ARGV[3])
if ARGV[4] ~= '' then progress.totalCount = tonumber(ARGV[4]) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(progress))
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return fresh
