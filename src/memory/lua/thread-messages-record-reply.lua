--[[
  Records a reply to a command as posted, keeps only the newest ones, and drops its pending mark; then lets
  the record adopt its project's TTL. A reply's ts is not needed: it is never edited.

  Input:
    KEYS[1] the thread's replies zset (scored by when, Redis clock, ms)
    KEYS[2] the project record
    KEYS[3] the thread's messages hash (holds the pending mark)

    ARGV[1] the retention period (ms)
    ARGV[2] the reply's key
    ARGV[3] how many replies are kept

  Output:
    1
]]
local t = redis.call('time')
redis.call('zadd', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[2])
redis.call('zremrangebyrank', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('hdel', KEYS[3], ARGV[2] .. '#pending')
--- @include "adopt-project-ttl"
return 1
