--[[
  Deletes what one project contributed to agent memory, found through its index in every scope it may have
  written to: its history entries, insights only it reported (others lose its reports and keep the rest),
  the messages it sent (from every inbox), and its share of the collaboration counters; then the index.
  Other keys are derived from each index (all within its team and scope). Never fails on corrupt data:
  what does not parse or has the wrong type is skipped.

  Input:
    KEYS[1..n] the project's index in each scope

    ARGV[1] the project id
    ARGV[2i] for KEYS[i], its memory base (`<prefix>:mem:<team>:<scope>`)
    ARGV[2i+1] for KEYS[i], its message base (`<prefix>:msg:<team>:<scope>`)

  Output:
    {records, history, insightsDeleted, insightsUnlinked, messages, collaborations, corrupt}, the
    ForgetResult counts summed over the scopes
]]
--- @include "agent-memory-prelude"
local pid = ARGV[1]
local records, history, deleted, unlinked, messages, collabs, corrupt = 0, 0, 0, 0, 0, 0, 0
local function list(v) return type(v) == 'table' and v or {} end
local function count(v) return tonumber(v) or 0 end
local done = {}
local function forget(index, mem, msg)
  local t = typeOf(index)
  if t == 'none' then return end
  if t ~= 'hash' then
    redis.call('DEL', index)
    corrupt = corrupt + 1
    return
  end
  for _, raw in ipairs(redis.call('HVALS', index)) do
    local c = decode(raw)
    if not c or type(c.role) ~= 'string' or type(c.recordId) ~= 'string' then
      corrupt = corrupt + 1
    else
      records = records + 1
      local base = mem .. ':role:' .. c.role
      if typeOf(base .. ':history:entries') == 'hash' then
        history = history + redis.call('HDEL', base .. ':history:entries', c.recordId)
      end
      if typeOf(base .. ':history') == 'zset' then redis.call('ZREM', base .. ':history', c.recordId) end

      local ikey, rkey = base .. ':insights', base .. ':insights:rank'
      local ihash, rzset = typeOf(ikey) == 'hash', typeOf(rkey) == 'zset'
      for _, id in ipairs(list(c.insights)) do
        if type(id) == 'string' and ihash and not done[ikey .. '|' .. id] then
          done[ikey .. '|' .. id] = true
          local stored = redis.call('HGET', ikey, id)
          if stored then
            local all, kept = split(stored), {}
            for _, line in ipairs(all) do
              local s = decode(line)
              if s and s.projectId ~= pid then kept[#kept + 1] = line end
            end
            if #kept == 0 then
              redis.call('HDEL', ikey, id)
              if rzset then redis.call('ZREM', rkey, id) end
              deleted = deleted + 1
            elseif #kept < #all then
              redis.call('HSET', ikey, id, table.concat(kept, '\n'))
              if rzset then redis.call('ZADD', rkey, retention(kept), id) end
              unlinked = unlinked + 1
            end
          end
        end
      end

      for _, m in ipairs(list(c.messages)) do
        if type(m) == 'table' and type(m.id) == 'string' then
          messages = messages + redis.call('DEL', msg .. ':body:' .. m.id)
          for _, r in ipairs(list(m.to)) do
            local inbox = msg .. ':inbox:' .. tostring(r)
            if typeOf(inbox) == 'zset' then redis.call('ZREM', inbox, m.id) end
          end
        end
      end

      local co = type(c.collab) == 'table' and c.collab or {}
      for _, pair in ipairs(list(co.pairs)) do
        local k = mem .. ':collab:' .. tostring(pair)
        if typeOf(k) == 'hash' then
          local f = tostring(co.taskTypeField)
          local v = redis.call('HMGET', k, 'tasks', 'successes', f)
          local tasks = count(v[1]) - 1
          if tasks <= 0 then
            redis.call('DEL', k)
          else
            redis.call('HSET', k, 'tasks', string.format('%d', tasks))
            local s = count(v[2]) - (co.success == true and 1 or 0)
            if s <= 0 then redis.call('HDEL', k, 'successes') else redis.call('HSET', k, 'successes', string.format('%d', s)) end
            local n = count(v[3]) - 1
            if n <= 0 then redis.call('HDEL', k, f) else redis.call('HSET', k, f, string.format('%d', n)) end
          end
          collabs = collabs + 1
        end
      end
    end
  end
  redis.call('DEL', index)
end
for i, index in ipairs(KEYS) do forget(index, ARGV[2 * i], ARGV[2 * i + 1]) end
return { records, history, deleted, unlinked, messages, collabs, corrupt }
