--[[
  Takes a job off jobs:deadlines when it is no longer running (reported, lost, ended):
  only then, so an entry a new acceptance just wrote is never lost.

  KEYS[1] job:{id}   KEYS[2] jobs:deadlines
  ARGV[1] job id

  Returns {"DROPPED"} | {"RUNNING"}
]]
if redis.call("HGET", KEYS[1], "status") == "running" then
  return {"RUNNING"}
end
redis.call("ZREM", KEYS[2], ARGV[1])
return {"DROPPED"}
