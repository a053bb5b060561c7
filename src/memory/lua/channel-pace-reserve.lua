--[[
  Reserves the next chat.postMessage slot in one channel (GCRA: the key holds the theoretical time of the
  next free slot). The clock is Redis' own (TIME), so replicas with skewed clocks still agree. The slot is
  the caller's once reserved; the key expires a second after it would stop mattering.

  Input:
    KEYS[1] the channel's pace key (time of the next free slot, ms)

    ARGV[1] minimum spacing of posts (ms)
    ARGV[2] posts allowed back to back before the spacing applies

  Output:
    how many ms the caller must wait before posting
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
local nextTat = tat + interval
redis.call('SET', KEYS[1], nextTat, 'PX', nextTat - now + 1000)
return wait
