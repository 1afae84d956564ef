--[[
  Makes a reserved offer visible to its node (its next heartbeat returns it), once the
  escrow is locked to the node. Refused when the job is no longer offered to that node.

  KEYS[1] job:{id}   KEYS[2] node:{nodeId}
  ARGV[1] job id   ARGV[2] node id   ARGV[3] the offer (JSON)

  Returns {"OK"} | {"STALE"}
]]
local job = redis.call("HMGET", KEYS[1], "status", "nodeId")
if job[1] ~= "offered" or job[2] ~= ARGV[2] then
  return {"STALE"}
end
if redis.call("HGET", KEYS[2], "jobId") ~= ARGV[1] then
  return {"STALE"}
end
redis.call("HSET", KEYS[2], "offer", ARGV[3])
return {"OK"}
