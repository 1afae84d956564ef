--[[
  A running job ends early, timed out or cancelled by its client: it settles by verified
  progress (settling-partial, queued in jobs:settling for the hand-over to settlement),
  leaves jobs:deadlines, and its node is told to drop it with the reason. The job keeps
  its node (the escrow's payee). Refused unless the job is still running on that node
  at the version the caller computed from.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] jobs:count   KEYS[4] node:{nodeId}
  KEYS[5] jobs:deadlines   KEYS[6] jobs:settling
  ARGV[1] job id   ARGV[2] node id   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] node share (bps)   ARGV[6] proof hash (hex)   ARGV[7] the history record (JSON)
  ARGV[8] the reason the node is told   ARGV[9] cancelledTo ("" unless a client's cancel)

  Returns {"OK"} | {"STALE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
local jobId, nodeId, now = ARGV[1], ARGV[2], ARGV[4]
if not jobAtVersion(KEYS[1], ARGV[3], {running = true}, nodeId) then
  return {"STALE"}
end

redis.call("HSET", KEYS[1], "status", "settling-partial", "nodeShareBps", ARGV[5], "settleProofHash", ARGV[6],
  "cancelledTo", ARGV[9], "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[3], "running", "settling-partial", ARGV[7])
redis.call("ZREM", KEYS[5], jobId)
redis.call("ZADD", KEYS[6], now, jobId)
if redis.call("HGET", KEYS[4], "jobId") == jobId then
  redis.call("HSET", KEYS[4], "jobId", "", "cancel", jobId, "cancelReason", jobId .. " " .. ARGV[8])
end
return {"OK"}
