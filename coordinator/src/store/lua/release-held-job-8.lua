--[[
  A job offered to or running on a node leaves that node, for one of two reasons
  (ARGV[8]):
  - "abandon": the node gives it up (POST /v1/jobs/:id/fail). The node stays online and
    free; its reliability counts it: an abandoned job if it had accepted, an expired
    offer if not.
  - "take-back": start-up reconciliation found the job's escrow no longer locked to the
    node. The node is told to drop it and nothing counts against its reliability: the
    chain disagreed, not the node.
  Either way the job goes back to the queue to wait for its escrow unlock (or to
  refunding after the last allowed attempt) and the node is excluded from it, exactly as
  for a lost node. Refused unless the job is still offered to or running on that node at
  the version the caller computed from (for an abandon, the job token was checked on
  that version; a token changes only with a new offer, which changes it).

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] job:{id}:excluded   KEYS[4] jobs:count
  KEYS[5] node:{nodeId}   KEYS[6] jobs:offered   KEYS[7] jobs:unlocking   KEYS[8] jobs:refunding
  ARGV[1] job id   ARGV[2] node id   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] the job's new status ("queued" | "refunding")   ARGV[6] the job's attempts
  ARGV[7] the history record (JSON)   ARGV[8] "abandon" | "take-back"

  Returns {"OK", old status} | {"STALE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
--- @include "job-leaves-node"
local jobId, nodeId, now, newStatus, why = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[8]
if why ~= "abandon" and why ~= "take-back" then
  return redis.error_reply("release-held-job: ARGV[8] must be abandon or take-back, got " .. tostring(why))
end
local job = jobAtVersion(KEYS[1], ARGV[3], {offered = true, running = true}, nodeId)
if not job then
  return {"STALE"}
end

redis.call("HSET", KEYS[1], "status", newStatus, "nodeId", "", "attempts", ARGV[6], "offerDeadline", "", "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[4], job[1], newStatus, ARGV[7])
jobLeavesNode(KEYS[3], KEYS[6], KEYS[7], KEYS[8], jobId, nodeId, newStatus, now)
if redis.call("HGET", KEYS[5], "jobId") == jobId then
  if why == "take-back" then
    redis.call("HSET", KEYS[5], "jobId", "", "offer", "", "cancel", jobId)
  else
    redis.call("HSET", KEYS[5], "jobId", "", "offer", "")
  end
end
if why == "abandon" then
  redis.call("HINCRBY", KEYS[5], job[1] == "running" and "jobsAbandoned" or "offersExpired", 1)
end
return {"OK", job[1]}
