--[[
  Takes a job out of its thread's line of Slack writes; says whose turn it is now.

  Input:
    KEYS[1] the thread's line (list of outbox job ids, in thread order)

    ARGV[1] job id

  Output:
    the id of the job now at the head of the line; false when nobody's
]]
redis.call('LREM', KEYS[1], 0, ARGV[1])
return redis.call('LINDEX', KEYS[1], 0)
