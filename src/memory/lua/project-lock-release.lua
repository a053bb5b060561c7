--[[
  Releases a project's lock. Deletes only if we still own it: a lock that expired and was taken by another
  process stays theirs.

  Input:
    KEYS[1] the project's lock

    ARGV[1] the holder's token

  Output:
    1 released; 0 not ours (left alone)
]]
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
