--[[
  The one reading and advancing of a paged listing's progress (a cohort's members, a month's
  conversations: JSON `{ cursor, pages, done, ... }` in a hash field), put before every store script by
  ../store-scripts.ts. A page is recorded only from the stored cursor: a page fetched again after a
  crash (its cursor no longer the stored one) is ignored.
]]

-- The progress stored in `field` of `key` (`fresh` when none), or nil when a page fetched from
-- `from` ('' = the first page) was already recorded.
local function page_progress(key, field, from, fresh)
  local raw = redis.call('HGET', key, field)
  local progress = raw and cjson.decode(raw) or fresh
  local stored = progress.cursor
  if stored == cjson.null then stored = '' end
  if progress.done or stored ~= from then return nil end
  return progress
end

-- Counts the page and moves the cursor to `next_cursor` ('' = that was the last page: done).
local function advance_page(progress, next_cursor)
  progress.pages = progress.pages + 1
  if next_cursor == '' then
    progress.cursor = cjson.null
    progress.done = true
  else
    progress.cursor = next_cursor
  end
end
