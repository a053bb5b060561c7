--[[
  Keeps one project's place in the listings that show it (each viewer's projects, its channel's projects),
  as the project is saved. Each listing is a zset scored like the projects zset: by when the project's keys
  expire (ms; +inf while active), so a finished project leaves every listing when its records do. A listing
  keeps at most a cap of members, dropping those that expire first (finished, oldest), and expires with its
  last member.

  Input:
    KEYS[1..] the listings (zsets) the project belongs in

    ARGV[1] project id
    ARGV[2] TTL in ms of the finished project's keys; 0 while active; -1 to take it out (forgotten)
    ARGV[3] most members a listing keeps

  Output:
    the number of listings written
]]
local ttl = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local key = KEYS[i]
  if ttl < 0 then
    redis.call('zrem', key, ARGV[1])
  elseif ttl == 0 then
    redis.call('zadd', key, '+inf', ARGV[1])
  else
    redis.call('zadd', key, now + ttl, ARGV[1])
  end
  redis.call('zremrangebyscore', key, '-inf', now)
  local size = redis.call('zcard', key)
  if size > cap then redis.call('zremrangebyrank', key, 0, size - cap - 1) end
  local last = redis.call('zrange', key, -1, -1, 'WITHSCORES')
  if last[2] == 'inf' then
    redis.call('persist', key)
  elseif last[2] ~= nil then
    redis.call('pexpireat', key, last[2])
  end
end
return #KEYS
