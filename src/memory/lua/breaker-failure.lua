--[[
  Reports a provider failure. The probe's failure re-opens the breaker; while closed, a failure counts
  towards the threshold and opens it there. Late reports (the breaker is not closed, or the call was
  admitted before it last closed) and reports with another probe's token are ignored.

  Input:
    KEYS[1] the breaker's hash

    ARGV[1] now (epoch ms, the caller's clock)
    ARGV[2] probeToken ('' for none)
    ARGV[3] failureThreshold
    ARGV[4] openMs
    ARGV[5] the hash's idle TTL (ms)
    ARGV[6] admittedAt ('' for unknown)

  Output:
    the state after: 'closed' | 'open' | 'half_open'
]]
--- @include "breaker-state"
local now = tonumber(ARGV[1])
local token = ARGV[2]
local threshold = tonumber(ARGV[3])
local openMs = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local admittedAt = tonumber(ARGV[6])
local s = load()
if token ~= '' then
  if s.state == 'half_open' and s.probeToken == token then
    saveOpen(s.failures + 1, now + openMs, ttl)
    return 'open'
  end
  return s.state
end
if s.state ~= 'closed' then return s.state end
-- admitted before the breaker last closed: part of the outage the probe already ended
if admittedAt and s.closedAt and admittedAt < s.closedAt then return 'closed' end
local failures = s.failures + 1
if failures >= threshold then
  saveOpen(failures, now + openMs, ttl)
  return 'open'
end
saveClosed(failures, ttl, s.closedAt)
return 'closed'
