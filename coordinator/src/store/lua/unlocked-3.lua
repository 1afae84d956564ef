--[[
  The escrow of a job waiting in jobs:unlocking is Created again on chain: the job may be
  matched again, at its original urgency. A job that left the queue meanwhile (refunded,
  cancelled) just leaves jobs:unlocking.

  KEYS[1] job:{id}   KEYS[2] jobs:unlocking   KEYS[3] jobs:queued
  ARGV[1] job id

  Returns {"OK"} | {"GONE"}
]]
if not redis.call("ZSCORE", KEYS[2], ARGV[1]) then
  return {"GONE"}
end
local job = redis.call("HMGET", KEYS[1], "status", "urgency")
redis.call("ZREM", KEYS[2], ARGV[1])
if job[1] ~= "queued" then
  return {"GONE"}
end
redis.call("ZADD", KEYS[3], job[2], ARGV[1])
return {"OK"}
