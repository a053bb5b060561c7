--[[
  Shared by every circuit-breaker script: reads the hash into a normalized table (load) and writes whole
  states (saveClosed, saveOpen, saveHalfOpen), refreshing the idle TTL. Numbers are written with %d so
  epoch milliseconds never turn into "1.7e+12". A hash that does not parse reads as closed, no failures.

  Input:
    KEYS[1] the breaker's hash (state, failures, openUntil, probeToken, probeExpires, closedAt)

    ARGV: none of its own

  Output:
    none: defines local functions for the including script
]]
local key = KEYS[1]
local function int(n) return string.format('%d', n) end
local function isCount(n) return n ~= nil and n >= 0 and n == math.floor(n) end
local function load()
  local raw = redis.call('HMGET', key, 'state', 'failures', 'openUntil', 'probeToken', 'probeExpires',
    'closedAt')
  local state = raw[1]
  local failures = tonumber(raw[2])
  if failures == nil and not raw[2] then failures = 0 end
  local openUntil = tonumber(raw[3])
  local probeExpires = tonumber(raw[5])
  local closedAt = tonumber(raw[6])
  local closed = { state = 'closed', failures = 0, closedAt = closedAt }
  if not isCount(failures) then return closed end
  if state == 'closed' then
    return { state = 'closed', failures = failures, closedAt = closedAt }
  elseif state == 'open' and openUntil ~= nil then
    return { state = 'open', failures = failures, openUntil = openUntil }
  elseif state == 'half_open' and probeExpires ~= nil and raw[4] and raw[4] ~= '' then
    return { state = 'half_open', failures = failures, probeToken = raw[4], probeExpires = probeExpires }
  end
  return closed
end
local function touch(ttl) redis.call('PEXPIRE', key, ttl) end
local function saveClosed(failures, ttl, closedAt)
  redis.call('DEL', key)
  if failures > 0 or closedAt then
    redis.call('HSET', key, 'state', 'closed', 'failures', int(failures))
    if closedAt then redis.call('HSET', key, 'closedAt', int(closedAt)) end
    touch(ttl)
  end
end
local function saveOpen(failures, openUntil, ttl)
  redis.call('DEL', key)
  redis.call('HSET', key, 'state', 'open', 'failures', int(failures), 'openUntil', int(openUntil))
  touch(ttl)
end
local function saveHalfOpen(failures, token, probeExpires, ttl)
  redis.call('DEL', key)
  redis.call('HSET', key, 'state', 'half_open', 'failures', int(failures), 'probeToken', token,
    'probeExpires', int(probeExpires))
  touch(ttl)
end
