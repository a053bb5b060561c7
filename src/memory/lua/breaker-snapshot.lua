--[[
  Reads the breaker's stored state, for metrics and status. Writes nothing.

  Input:
    KEYS[1] the breaker's hash

    ARGV: none

  Output:
    {state, failures, openUntil or false}
]]
--- @include "breaker-state"
local s = load()
return { s.state, s.failures, s.openUntil or false }
