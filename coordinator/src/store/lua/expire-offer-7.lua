--[[
  An offer the node did not accept by its deadline: the job goes back to the queue,
  waiting for its escrow unlock, and the node is excluded from it. Refused unless the
  job is still offered to that node at the version the caller computed from.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] job:{id}:excluded   KEYS[4] jobs:count
  KEYS[5] node:{nodeId}   KEYS[6] jobs:offered   KEYS[7] jobs:unlocking
  ARGV[1] job id   ARGV[2] node id   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] the history record (JSON)

  Returns {"OK"} | {"STALE"} | {"NOT_DUE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
--- @include "job-leaves-node"
local jobId, nodeId, now = ARGV[1], ARGV[2], ARGV[4]
if not jobAtVersion(KEYS[1], ARGV[3], {offered = true}, nodeId) then
  return {"STALE"}
end
local deadline = redis.call("ZSCORE", KEYS[6], jobId)
if not deadline or tonumber(deadline) > tonumber(now) then
  return {"NOT_DUE"}
end

redis.call("HSET", KEYS[1], "status", "queued", "nodeId", "", "offerDeadline", "", "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[4], "offered", "queued", ARGV[5])
jobLeavesNode(KEYS[3], KEYS[6], KEYS[7], nil, jobId, nodeId, "queued", now)
local node = redis.call("HMGET", KEYS[5], "jobId", "offer")
if node[1] == jobId then
  redis.call("HSET", KEYS[5], "jobId", "", "offer", "", "cancel", jobId)
  -- Only an offer the node could see counts against it.
  if node[2] and node[2] ~= "" then
    redis.call("HINCRBY", KEYS[5], "offersExpired", 1)
  end
end
return {"OK"}
