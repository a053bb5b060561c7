--[[
  Records which Slack message shows a logical thread message and the revision it shows now, and drops its
  pending mark; then lets the record adopt its project's TTL.

  Input:
    KEYS[1] the thread's messages hash
    KEYS[2] the project record

    ARGV[1] the retention period (ms)
    ARGV[2] the logical message key
    ARGV[3] its Slack ts
    ARGV[4] the project revision it shows

  Output:
    1
]]
redis.call('hset', KEYS[1], ARGV[2], ARGV[3], ARGV[2] .. '#rev', ARGV[4])
redis.call('hdel', KEYS[1], ARGV[2] .. '#pending')
--- @include "adopt-project-ttl"
return 1
