--[[
  The one reading of a contact record (../contact-record.ts: `<cohort indexes>|<member>|<result>`),
  put before every store script by ../store-scripts.ts: the first two parts never contain `|`, so two
  finds split it, and the result (JSON text) may contain anything.
]]
local function split_record(record)
  local first = string.find(record, '|', 1, true)
  local second = string.find(record, '|', first + 1, true)
  return string.sub(record, 1, first - 1), string.sub(record, first + 1, second - 1), string.sub(record, second + 1)
end
