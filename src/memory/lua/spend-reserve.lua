--[[
  Reserves the most one model call can cost against its project's budget and its workspace's budget of the
  day, or reserves nothing when either would be passed; calls side by side can never pass a budget together.

  Input:
    KEYS[1] the project's spend (USD)
    KEYS[2] the workspace's spend of the day (USD)
    KEYS[3] what Raise budget added to the workspace's ceiling of the day (USD)

    ARGV[1] the reservation (USD)
    ARGV[2] the project's limit (USD)
    ARGV[3] the workspace's base daily limit (USD)
    ARGV[4] the workspace keys' TTL (s)

  Output:
    {'ok'} after reserving; {scope, spent, limit} without reserving anything ('project' or 'workspace')
]]
local cost = tonumber(ARGV[1])
local projectSpent = tonumber(redis.call('get', KEYS[1]) or '0')
local workspaceSpent = tonumber(redis.call('get', KEYS[2]) or '0')
local workspaceLimit = tonumber(ARGV[3]) + tonumber(redis.call('get', KEYS[3]) or '0')
if projectSpent + cost > tonumber(ARGV[2]) then
  return {'project', tostring(projectSpent), ARGV[2]}
end
if workspaceSpent + cost > workspaceLimit then
  return {'workspace', tostring(workspaceSpent), tostring(workspaceLimit)}
end
redis.call('incrbyfloat', KEYS[1], ARGV[1])
redis.call('incrbyfloat', KEYS[2], ARGV[1])
redis.call('expire', KEYS[2], ARGV[4])
return {'ok'}
