--[[
  Shared by the agent memory scripts: reading the JSON lines of an insight (split, decode) and its retention
  score (retention, as memory/agent-memory/ranking.ts `retentionValue`), and a key's type (typeOf). Lines are
  never re-encoded in Lua (cjson would turn an empty list into an object); they are kept as the strings
  TypeScript wrote.

  Input:
    KEYS: none of its own
    ARGV: none of its own

  Output:
    none: defines locals for the including script
]]
local IMPACT = { low = 1, medium = 2, high = 3 }
local function split(raw)
  local out = {}
  if not raw then return out end
  for line in string.gmatch(raw, '[^\n]+') do out[#out + 1] = line end
  return out
end
local function decode(raw)
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then return v end
  return nil
end
local function typeOf(key) return redis.call('TYPE', key)['ok'] end
-- round(100 * impact * confidence * min(projects, 4)) * 1e10 + lastAt in seconds
local function retention(lines)
  local impact, conf, last, seen, projects = 0, 0, 0, {}, 0
  for _, line in ipairs(lines) do
    local s = decode(line)
    if s then
      local w = IMPACT[s.impact] or 0
      if w > impact then impact = w end
      local c = tonumber(s.confidence) or 0
      if c > conf then conf = c end
      local at = tonumber(s.at) or 0
      if at > last then last = at end
      if type(s.projectId) == 'string' and not seen[s.projectId] then
        seen[s.projectId] = true
        projects = projects + 1
      end
    end
  end
  if projects > 4 then projects = 4 end
  local bucket = math.floor(impact * conf * projects * 100 + 0.5)
  return string.format('%d', bucket * 10000000000 + math.floor(last / 1000))
end
