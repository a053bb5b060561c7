--[[
  Sets fields of a thread's message records (`<key>#want`, `<key>#pending`), then lets the record adopt
  its project's TTL.

  Input:
    KEYS[1] the thread's messages hash
    KEYS[2] the project record

    ARGV[1] the retention period (ms)
    ARGV[2..] field, value, field, value, …

  Output:
    1
]]
redis.call('hset', KEYS[1], unpack(ARGV, 2))
--- @include "adopt-project-ttl"
return 1
