--[[
  Records what one stage produced and learnt, in one step with its deliverable: the deliverable (the
  idempotency marker), its history entry, insights, messages, collaboration counts, messages read, and the
  project's index of it. Only while the project record says the result is still wanted: a forget or
  cancel stored a moment before is never undone by a stage that finishes a moment after.

  Redis does not roll back a script that fails half-way, so the whole payload and the type of every key it
  will touch are checked before the first write; a bad argument aborts it with nothing written. A
  wrong-typed memory key (or a non-integer counter) is deleted and rebuilt, and counted.

  Input:
    KEYS[1] the stage's deliverable (written once; its existence means "already recorded")
    KEYS[2] the project's index in agent memory (hash: record id → contribution)
    KEYS[3] the role's history (zset)
    KEYS[4] the role's history entries (hash)
    KEYS[5] the role's insights (hash)
    KEYS[6] the role's insight rank (zset)
    KEYS[7] the role's inbox (zset)
    KEYS[8] the project record (JSON with a phase)
    KEYS[9..] collaboration hashes, message bodies, recipients' inboxes and the other inboxes the stage
              read from (indexes in the payload), all of the stage's scope but the last

    ARGV[1] the payload JSON (built by recordStageOutcome): recordId; deliverable, history, contribution
            (JSON strings, stored as they are); taskTypeField; at, now (epoch ms); historyCap, insightCap,
            maxSources, ttlMs, maxUnread; success; insights {id, line}; messages {id, json, body,
            inboxes, expiresAt}; collab; read (message ids); readInboxes; closedPhases. body, inboxes,
            collab and readInboxes are indexes into KEYS.

  Output:
    {'recorded', repaired keys} | {'duplicate', 0} | {'project_closed', 0, phase}
]]
--- @include "agent-memory-prelude"
local p = cjson.decode(ARGV[1])
local function need(ok, what) if not ok then error('agent memory: invalid record payload: ' .. what) end end
local function str(v) return type(v) == 'string' and v ~= '' end
local function num(v) return type(v) == 'number' and v == v end
local function key(i, first) return type(i) == 'number' and KEYS[i] ~= nil and i >= (first or 9) end
need(type(p) == 'table', 'not an object')
need(str(p.recordId) and str(p.deliverable) and str(p.history) and str(p.contribution), 'strings')
need(type(p.taskTypeField) == 'string', 'taskTypeField')
need(num(p.at) and num(p.now) and num(p.historyCap) and num(p.insightCap), 'numbers')
need(num(p.maxSources) and num(p.ttlMs) and num(p.maxUnread) and p.ttlMs >= 1, 'limits')
need(type(p.success) == 'boolean', 'success')
need(type(p.insights) == 'table' and type(p.messages) == 'table', 'lists')
need(type(p.collab) == 'table' and type(p.read) == 'table', 'lists')
for i, ins in ipairs(p.insights) do need(type(ins) == 'table' and str(ins.id) and str(ins.line), 'insight ' .. i) end
for i, m in ipairs(p.messages) do
  need(type(m) == 'table' and str(m.id) and str(m.json) and key(m.body) and num(m.expiresAt), 'message ' .. i)
  need(type(m.inboxes) == 'table', 'message inboxes ' .. i)
  for _, k in ipairs(m.inboxes) do need(key(k, 7), 'message inbox ' .. i) end
end
for _, k in ipairs(p.collab) do need(key(k), 'collaboration key') end
for _, id in ipairs(p.read) do need(str(id), 'read id') end
need(type(p.readInboxes) == 'table' and type(p.closedPhases) == 'table', 'lists')
for _, k in ipairs(p.readInboxes) do need(key(k, 7) and k ~= 8, 'read inbox') end
for _, phase in ipairs(p.closedPhases) do need(str(phase), 'closed phase') end

-- Is the result still wanted? Checked here, with the writes, so a forget or cancel stored a moment before
-- is never undone by a stage that finishes a moment after.
local phase = 'missing'
local projectType = typeOf(KEYS[8])
if projectType == 'string' then
  local project = decode(redis.call('GET', KEYS[8]))
  phase = project and type(project.phase) == 'string' and project.phase or 'unreadable'
elseif projectType ~= 'none' then
  phase = 'unreadable'
end
if phase == 'missing' or phase == 'unreadable' then return { 'project_closed', 0, phase } end
for _, closed in ipairs(p.closedPhases) do
  if phase == closed then return { 'project_closed', 0, phase } end
end

if redis.call('EXISTS', KEYS[1]) == 1 then return { 'duplicate', 0 } end

-- Every check that could fail happens before the first write.
local expected = { [2] = 'hash', [3] = 'zset', [4] = 'hash', [5] = 'hash', [6] = 'zset', [7] = 'zset' }
for _, k in ipairs(p.collab) do expected[k] = 'hash' end
for _, m in ipairs(p.messages) do for _, k in ipairs(m.inboxes) do expected[k] = 'zset' end end
for _, k in ipairs(p.readInboxes) do expected[k] = 'zset' end
local broken = {}
for i, t in pairs(expected) do
  local actual = typeOf(KEYS[i])
  if actual ~= 'none' and actual ~= t then broken[#broken + 1] = KEYS[i] end
end
local function isCount(v) return not v or string.match(v, '^%-?%d+$') ~= nil end
for _, k in ipairs(p.collab) do
  if typeOf(KEYS[k]) == 'hash' then
    local v = redis.call('HMGET', KEYS[k], 'tasks', 'successes', p.taskTypeField)
    if not (isCount(v[1]) and isCount(v[2]) and isCount(v[3])) then broken[#broken + 1] = KEYS[k] end
  end
end
local already = typeOf(KEYS[2]) == 'hash' and redis.call('HEXISTS', KEYS[2], p.recordId) == 1

-- Writes.
for _, k in ipairs(broken) do redis.call('DEL', k) end
redis.call('SET', KEYS[1], p.deliverable)
if already then return { 'recorded', #broken } end

redis.call('HSET', KEYS[4], p.recordId, p.history)
redis.call('ZADD', KEYS[3], string.format('%d', p.at), p.recordId)
local n = redis.call('ZCARD', KEYS[3])
if n > p.historyCap then
  local old = redis.call('ZRANGE', KEYS[3], 0, n - p.historyCap - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, n - p.historyCap - 1)
  redis.call('HDEL', KEYS[4], unpack(old))
end

for _, ins in ipairs(p.insights) do
  local lines = {}
  for _, line in ipairs(split(redis.call('HGET', KEYS[5], ins.id))) do
    local s = decode(line)
    if s and s.recordId ~= p.recordId then lines[#lines + 1] = line end
  end
  lines[#lines + 1] = ins.line
  while #lines > p.maxSources do table.remove(lines, 1) end
  redis.call('HSET', KEYS[5], ins.id, table.concat(lines, '\n'))
  redis.call('ZADD', KEYS[6], retention(lines), ins.id)
end
while redis.call('ZCARD', KEYS[6]) > p.insightCap do
  local low = redis.call('ZPOPMIN', KEYS[6])
  redis.call('HDEL', KEYS[5], low[1])
end

for _, m in ipairs(p.messages) do
  redis.call('SET', KEYS[m.body], m.json, 'PX', p.ttlMs)
  for _, k in ipairs(m.inboxes) do
    local inbox = KEYS[k]
    redis.call('ZADD', inbox, string.format('%d', m.expiresAt), m.id)
    redis.call('ZREMRANGEBYSCORE', inbox, '-inf', string.format('%d', p.now))
    local over = redis.call('ZCARD', inbox) - p.maxUnread
    if over > 0 then redis.call('ZREMRANGEBYRANK', inbox, 0, over - 1) end
    if redis.call('PTTL', inbox) < p.ttlMs then redis.call('PEXPIRE', inbox, p.ttlMs) end
  end
end

for _, k in ipairs(p.collab) do
  redis.call('HINCRBY', KEYS[k], 'tasks', 1)
  if p.success then redis.call('HINCRBY', KEYS[k], 'successes', 1) end
  redis.call('HINCRBY', KEYS[k], p.taskTypeField, 1)
end

if #p.read > 0 then
  for _, k in ipairs(p.readInboxes) do redis.call('ZREM', KEYS[k], unpack(p.read)) end
end

redis.call('HSET', KEYS[2], p.recordId, p.contribution)
return { 'recorded', #broken }
