--[[
  Appends one entry to a project's audit stream, once: an entry whose key was written already (the
  effects of an event carried out again after a crash) is skipped. The stream is trimmed to about
  ARGV[2] entries (MAXLEN ~) and the keys zset to exactly that many; both take the project's TTL when
  they have none yet (a finished project's keys expire together), or one retention period when the
  project record is gone.

  Input:
    KEYS[1] the project's audit stream
    KEYS[2] the project record
    KEYS[3] the keys of the entries written (zset)

    ARGV[1] the retention period (ms)
    ARGV[2] the most entries kept
    ARGV[3] the entry's key
    ARGV[4] the entry (JSON)

  Output:
    1 written; 0 written before
]]
if redis.call('zscore', KEYS[3], ARGV[3]) then return 0 end
local cap = tonumber(ARGV[2])
redis.call('xadd', KEYS[1], 'MAXLEN', '~', cap, '*', 'key', ARGV[3], 'entry', ARGV[4])
local t = redis.call('time')
redis.call('zadd', KEYS[3], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[3])
redis.call('zremrangebyrank', KEYS[3], 0, -(cap + 1))
local ttl = redis.call('pttl', KEYS[2])
if ttl == -2 then ttl = tonumber(ARGV[1]) end
if ttl > 0 then
  for _, key in ipairs({ KEYS[1], KEYS[3] }) do
    if redis.call('pttl', key) == -1 then redis.call('pexpire', key, ttl) end
  end
end
return 1
