--[[
  Stores a project and the effects it still owes in one step, only while the caller holds the project's
  lock (nothing can come between the check and the writes).

  A finished project's keys all get the same TTL here, in the same step that stores it, so they expire
  together and nothing is paid per event beyond this script; a project that becomes active again (resume,
  retry) loses the TTLs here too. The projects zset is scored by expiry: members whose keys have expired
  are dropped as any project is saved, and the zset itself expires with its last member once no project
  is active, so an idle install is left with nothing to sweep.

  Input:
    KEYS[1] the project's lock
    KEYS[2] the project record
    KEYS[3] the project's pending effects
    KEYS[4] the projects zset, scored by expiry (ms; +inf while active)
    KEYS[5] the requester's open projects (set)
    KEYS[6..] every other key of the project: thread records, deliverables, spend, agent memory's index of it

    ARGV[1] lock token
    ARGV[2] project JSON
    ARGV[3] effects JSON ('' = none)
    ARGV[4] project id
    ARGV[5] TTL in ms (0: the project is active and keeps its keys)
    ARGV[6] '1' when the project is open (it counts towards its requester's cap)

  Output:
    1 stored; 0 the lock is not the caller's (nothing written)
]]
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[5])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ttl > 0 then
  redis.call('set', KEYS[2], ARGV[2], 'PX', ttl)
  if ARGV[3] == '' then redis.call('del', KEYS[3]) else redis.call('set', KEYS[3], ARGV[3], 'PX', ttl) end
  for i = 6, #KEYS do redis.call('pexpire', KEYS[i], ttl) end
else
  local wasFinished = redis.call('pttl', KEYS[2]) > 0
  redis.call('set', KEYS[2], ARGV[2])
  if ARGV[3] == '' then redis.call('del', KEYS[3]) else redis.call('set', KEYS[3], ARGV[3]) end
  if wasFinished then for i = 6, #KEYS do redis.call('persist', KEYS[i]) end end
end
-- Installs from before retention kept a plain set: carry its members over as active.
if redis.call('type', KEYS[4])['ok'] == 'set' then
  local ids = redis.call('smembers', KEYS[4])
  redis.call('del', KEYS[4])
  for _, id in ipairs(ids) do redis.call('zadd', KEYS[4], '+inf', id) end
end
if ttl > 0 then redis.call('zadd', KEYS[4], now + ttl, ARGV[4]) else redis.call('zadd', KEYS[4], '+inf', ARGV[4]) end
redis.call('zremrangebyscore', KEYS[4], '-inf', now)
local last = redis.call('zrange', KEYS[4], -1, -1, 'WITHSCORES')
if last[2] == 'inf' then redis.call('persist', KEYS[4]) else redis.call('pexpireat', KEYS[4], last[2]) end
if ARGV[6] == '1' then redis.call('sadd', KEYS[5], ARGV[4]) else redis.call('srem', KEYS[5], ARGV[4]) end
return 1
