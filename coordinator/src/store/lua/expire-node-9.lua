--[[
  A node whose lease ran out (no heartbeat since the cutoff) goes offline. The job it
  held, offered or running, goes back to the queue to wait for its escrow unlock (or to
  refunding after the last allowed attempt), the node is excluded from it, and the node
  is told to drop it when it comes back. Refused when the node beat after the cutoff or
  the node or job changed since the caller read them.

  KEYS[1] node:{id}   KEYS[2] nodes:lease   KEYS[3] job:{jobId}   KEYS[4] job:{jobId}:history
  KEYS[5] job:{jobId}:excluded   KEYS[6] jobs:count   KEYS[7] jobs:offered
  KEYS[8] jobs:unlocking   KEYS[9] jobs:refunding
  ARGV[1] node id   ARGV[2] cutoff (ms)   ARGV[3] now (ms)   ARGV[4] the held job id or ""
  ARGV[5] expected job version   ARGV[6] the job's new status ("queued" | "refunding"),
  or "" to only detach the node   ARGV[7] the job's attempts   ARGV[8] the history record (JSON)

  Returns {"OK", old job status or ""} | {"OFFLINE"} | {"ALIVE"} | {"STALE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
--- @include "job-leaves-node"
local nodeId, now, jobId, newStatus = ARGV[1], ARGV[3], ARGV[4], ARGV[6]
local node = redis.call("HMGET", KEYS[1], "online", "lastSeen", "jobId", "offer")
if node[1] ~= "1" then
  redis.call("ZREM", KEYS[2], nodeId)
  return {"OFFLINE"}
end
if tonumber(node[2]) > tonumber(ARGV[2]) then
  return {"ALIVE"}
end
if node[3] ~= jobId then
  return {"STALE"}
end
local oldStatus = ""
if jobId ~= "" and newStatus ~= "" then
  local job = jobAtVersion(KEYS[3], ARGV[5], nil, nodeId)
  if not job then
    return {"STALE"}
  end
  oldStatus = job[1]
end

redis.call("HSET", KEYS[1], "online", "0", "offlineAt", now, "jobId", "", "offer", "", "cancel", jobId)
redis.call("ZREM", KEYS[2], nodeId)
if oldStatus ~= "" then
  redis.call("HSET", KEYS[3], "status", newStatus, "nodeId", "", "attempts", ARGV[7], "offerDeadline", "", "updatedAt", now)
  recordTransition(KEYS[3], KEYS[4], KEYS[6], oldStatus, newStatus, ARGV[8])
  jobLeavesNode(KEYS[5], KEYS[7], KEYS[8], KEYS[9], jobId, nodeId, newStatus, now)
  if oldStatus == "running" then
    redis.call("HINCRBY", KEYS[1], "jobsAbandoned", 1)
  elseif node[4] and node[4] ~= "" then
    redis.call("HINCRBY", KEYS[1], "offersExpired", 1)
  end
end
return {"OK", oldStatus}
