--[[
  Raise budget on a workspace hold: raises today's ceiling, once per marker, so a replayed Raise budget
  (after a crash) does not raise the ceiling twice.

  Input:
    KEYS[1] what Raise budget added to the workspace's ceiling of the day (USD)
    KEYS[2] the raise's marker

    ARGV[1] the amount (USD)
    ARGV[2] the keys' TTL (s)

  Output:
    1 raised; 0 this raise was already applied
]]
if redis.call('set', KEYS[2], '1', 'NX', 'EX', ARGV[2]) == false then return 0 end
redis.call('incrbyfloat', KEYS[1], ARGV[1])
redis.call('expire', KEYS[1], ARGV[2])
return 1
