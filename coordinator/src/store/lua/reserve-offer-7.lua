--[[
  Reserves a queued job for a node: the job is offered to it (the escrow lock comes
  next, then publish-offer makes the offer visible to the node). Refused unless the job
  is still queued at the version the caller computed from, ready to match (not waiting
  for an unlock), and the node is online, free and not excluded from the job.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] job:{id}:excluded   KEYS[4] jobs:count
  KEYS[5] node:{nodeId}   KEYS[6] jobs:queued   KEYS[7] jobs:offered
  ARGV[1] job id   ARGV[2] node id   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] offer deadline (ms)   ARGV[6] the history record (JSON)

  Returns {"OK"} | {"STALE"} | {"NOT_QUEUED"} | {"NODE_EXCLUDED"} | {"NODE_UNAVAILABLE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
local jobId, nodeId = ARGV[1], ARGV[2]
if not jobAtVersion(KEYS[1], ARGV[3], {queued = true}, nil) then
  return {"STALE"}
end
if not redis.call("ZSCORE", KEYS[6], jobId) then
  return {"NOT_QUEUED"}
end
if redis.call("SISMEMBER", KEYS[3], nodeId) == 1 then
  return {"NODE_EXCLUDED"}
end
local node = redis.call("HMGET", KEYS[5], "online", "jobId")
if node[1] ~= "1" or node[2] ~= "" then
  return {"NODE_UNAVAILABLE"}
end

redis.call("HSET", KEYS[1], "status", "offered", "nodeId", nodeId, "offerDeadline", ARGV[5], "updatedAt", ARGV[4])
recordTransition(KEYS[1], KEYS[2], KEYS[4], "queued", "offered", ARGV[6])
redis.call("HSET", KEYS[5], "jobId", jobId, "offer", "", "cancel", "")
redis.call("ZREM", KEYS[6], jobId)
redis.call("ZADD", KEYS[7], ARGV[5], jobId)
return {"OK"}
