--[[
  A refresh of one person's App Home starts: it no longer waits (a change from now on asks for a new
  one, which reads what this one may miss), and the next may not run before the spacing has passed.

  Input:
    KEYS[1] the person's waiting-refresh marker
    KEYS[2] the person's recent-publish marker

    ARGV[1] the minimum spacing of publishes to one person, in ms

  Output:
    1
]]
redis.call('del', KEYS[1])
redis.call('set', KEYS[2], '1', 'PX', ARGV[1])
return 1
