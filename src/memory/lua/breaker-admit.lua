--[[
  Asks the breaker before a model call. Closed: admitted. Open and not yet due, or half-open with a live
  probe: denied, with when to come back. Open and due, or half-open with an abandoned probe: this caller
  becomes the single probe.

  Input:
    KEYS[1] the breaker's hash

    ARGV[1] now (epoch ms, the caller's clock)
    ARGV[2] openMs
    ARGV[3] probeTimeoutMs
    ARGV[4] probeWaitMs (how long others wait while a probe is out)
    ARGV[5] jitter fraction of the wait to add
    ARGV[6] a new probe token
    ARGV[7] the hash's idle TTL (ms)

  Output:
    {'allow'} | {'probe', token} | {'deny', retryAt, state}
]]
--- @include "breaker-state"
local now = tonumber(ARGV[1])
local openMs = tonumber(ARGV[2])
local probeTimeoutMs = tonumber(ARGV[3])
local probeWaitMs = tonumber(ARGV[4])
local jitter = tonumber(ARGV[5])
local token = ARGV[6]
local ttl = tonumber(ARGV[7])
local s = load()
if s.state == 'closed' then return { 'allow' } end
if s.state == 'open' and now < s.openUntil then
  return { 'deny', s.openUntil + math.floor(jitter * openMs), 'open' }
end
if s.state == 'half_open' and now < s.probeExpires then
  return { 'deny', now + probeWaitMs + math.floor(jitter * probeWaitMs), 'half_open' }
end
-- open and due, or half_open with an abandoned probe: this caller becomes the probe
saveHalfOpen(s.failures, token, now + probeTimeoutMs, ttl)
return { 'probe', token }
