--[[
  A client cancels a job before it runs (queued or offered): everything is refunded
  (refund_escrow takes the escrow from Created and from Locked alike, so an offered
  job's escrow needs no unlock first), the job leaves the queues, and a node it was
  offered to is told to drop it. Refused unless the job is still in that status at
  the version the caller computed from.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] jobs:count   KEYS[4] node:{nodeId}
  KEYS[5] jobs:queued   KEYS[6] jobs:offered   KEYS[7] jobs:refunding
  ARGV[1] job id   ARGV[2] expected status   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] the history record (JSON)   ARGV[6] the node it is offered to, or ""

  Returns {"OK"} | {"STALE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
local jobId, status, now, nodeId = ARGV[1], ARGV[2], ARGV[4], ARGV[6]
if not jobAtVersion(KEYS[1], ARGV[3], {[status] = true}, nodeId) then
  return {"STALE"}
end

redis.call("HSET", KEYS[1], "status", "refunding", "nodeId", "", "offerDeadline", "", "cancelledTo", "refunding", "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[3], status, "refunding", ARGV[5])
redis.call("ZREM", KEYS[5], jobId)
redis.call("ZREM", KEYS[6], jobId)
redis.call("ZADD", KEYS[7], now, jobId)
if nodeId ~= "" and redis.call("HGET", KEYS[4], "jobId") == jobId then
  redis.call("HSET", KEYS[4], "jobId", "", "offer", "", "cancel", jobId, "cancelReason", jobId .. " cancelled-by-client")
end
return {"OK"}
