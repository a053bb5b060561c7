--[[
  Replaces the effects a project still owes (after some of them ran), only while the caller holds the
  project's lock. The effects keep the project's TTL.

  Input:
    KEYS[1] the project's lock
    KEYS[2] the project's pending effects

    ARGV[1] lock token
    ARGV[2] effects JSON ('' = none: the key is deleted)

  Output:
    1 stored; 0 the lock is not the caller's (nothing written)
]]
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('del', KEYS[2]) else redis.call('set', KEYS[2], ARGV[2], 'KEEPTTL') end
return 1
