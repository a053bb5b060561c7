--[[
  Reports that the provider answered. The probe's success closes the breaker (and stores closedAt); while
  closed, a success resets the count. Late successes and other probes' tokens are ignored.

  Input:
    KEYS[1] the breaker's hash

    ARGV[1] now (epoch ms, the caller's clock)
    ARGV[2] probeToken ('' for none)
    ARGV[3] the hash's idle TTL (ms)

  Output:
    the state after: 'closed' | 'open' | 'half_open'
]]
--- @include "breaker-state"
local now = tonumber(ARGV[1])
local token = ARGV[2]
local ttl = tonumber(ARGV[3])
local s = load()
if token ~= '' then
  if s.state == 'half_open' and s.probeToken == token then
    saveClosed(0, ttl, now)
    return 'closed'
  end
  return s.state
end
if s.state == 'closed' then
  if s.failures > 0 then saveClosed(0, ttl, s.closedAt) end
  return 'closed'
end
return s.state
