--[[
  Shared tail of every thread-record write: a thread record created after its project was last saved (the
  save script sets the TTLs) takes the project's TTL, so a finished project's keys still expire together.
  A write for a project already gone (a message that went out after its project expired) lives one
  retention period.

  Input:
    KEYS[1] the record just written
    KEYS[2] the project record

    ARGV[1] the retention period (ms)

  Output:
    none: the including script returns after it
]]
if redis.call('pttl', KEYS[1]) == -1 then
  local ttl = redis.call('pttl', KEYS[2])
  if ttl == -2 then ttl = tonumber(ARGV[1]) end
  if ttl > 0 then redis.call('pexpire', KEYS[1], ttl) end
end
