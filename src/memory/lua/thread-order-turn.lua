--[[
  Joins a job to its thread's line of Slack writes, once, at its end; says whose turn it is.

  Input:
    KEYS[1] the thread's line (list of outbox job ids, in thread order)

    ARGV[1] job id
    ARGV[2] the line's TTL (ms), renewed on every turn

  Output:
    the id of the job at the head of the line
]]
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('LINDEX', KEYS[1], 0)
