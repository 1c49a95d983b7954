--[[
  Records one page of a month's conversations atomically (RunStore.saveConversationPage;
  ../redis-store.ts): each conversation a listed contact opened joins that contact's conversations
  part (../conversation-record.ts) once by its entry key, every other one is dropped, and the month's
  cursor advances. A contact's conversations live in the conversations hash of its bucket, beside
  (not inside) its contact record, so the record and every script that reads it stay as they are.

  Input:
    KEYS[1] conversation progress: hash { month -> JSON ConversationProgress }
    KEYS[2..] the contact buckets and conversation buckets the page's contacts fall in (each once)

    ARGV[1] month (`YYYY-MM`)
    ARGV[2] the cursor the page was fetched from ('' = first page)
    ARGV[3] next cursor ('' = last page)
    ARGV[4] ttl seconds of every key written
    ARGV[5..] quintuples: contact id, entry key, facts, index into KEYS of its contact bucket, index
              into KEYS of its conversation bucket

  Output: { kept, dropped } (dropped: opened by a contact no recorded page listed), or -1 when the
  page was already recorded (its cursor is not the stored one) and nothing was written.
]]
local progress = page_progress(KEYS[1], ARGV[1], ARGV[2], { cursor = cjson.null, pages = 0, done = false })
if not progress then return -1 end

local kept, dropped = 0, 0
for i = 5, #ARGV, 5 do
  local id = ARGV[i]
  local record = redis.call('HGET', KEYS[tonumber(ARGV[i + 3])], id)
  local listed = false
  if record then
    local _, member = split_record(record)
    listed = member ~= ''
  end
  if not listed then
    dropped = dropped + 1
  else
    local bucket = KEYS[tonumber(ARGV[i + 4])]
    local part = redis.call('HGET', bucket, id) or ''
    local key = ARGV[i + 1]
    if not string.find(';' .. part, ';' .. key .. ',', 1, true) then
      local entry = key .. ',' .. ARGV[i + 2]
      if part == '' then part = entry else part = part .. ';' .. entry end
      redis.call('HSET', bucket, id, part)
      kept = kept + 1
    end
  end
end

advance_page(progress, ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(progress))
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return { kept, dropped }
