--[[
  Asks for a refresh of one person's App Home, at most one waiting at a time. A refresh already waiting
  will read the newest state when it runs, so a second request only needs to find it there. The first
  request waits until the person's last publish is far enough behind (the `recent` key's time to live).

  Input:
    KEYS[1] the person's waiting-refresh marker
    KEYS[2] the person's recent-publish marker (lives for the minimum spacing of publishes)

    ARGV[1] how long the waiting marker may live, in ms (a lost refresh frees it then)

  Output:
    -1 a refresh is already waiting (nothing to do); otherwise the delay in ms before the new refresh runs
]]
if not redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return -1 end
local wait = redis.call('pttl', KEYS[2])
if wait < 0 then return 0 end
return wait
