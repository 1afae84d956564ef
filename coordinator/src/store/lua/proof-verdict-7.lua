--[[
  Records the verifier's verdict on a job's reported proof, as the domain decided it:
  verified → releasing (queued for the release hand-over), rejected → refunding
  (queued for the refund hand-over), retry → stays verifying, checked again at
  nextAt. A final verdict counts in the node's reliability record (proofsVerified /
  proofsRejected, or neither when the failure was the coordinator's). Refused unless
  the job is still verifying at the version the verification started from, so of two
  verifiers of one proof only the first verdict counts.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] jobs:count   KEYS[4] node:{nodeId}
  KEYS[5] jobs:verifying   KEYS[6] jobs:releasing   KEYS[7] jobs:refunding
  ARGV[1] job id   ARGV[2] expected job version   ARGV[3] now (ms)
  ARGV[4] the job's new status ("releasing" | "refunding" | "verifying")
  ARGV[5] the history record (JSON)   ARGV[6] the verdict (JSON)   ARGV[7] verifyAttempts
  ARGV[8] when to check again (ms; for "verifying")
  ARGV[9] the node counter to increment ("proofsVerified" | "proofsRejected" | "")

  Returns {"OK"} | {"STALE"}
]]
--- @include "job-at-version"
--- @include "job-transition"
local jobId, now, newStatus = ARGV[1], ARGV[3], ARGV[4]
if not jobAtVersion(KEYS[1], ARGV[2], {verifying = true}, nil) then
  return {"STALE"}
end

redis.call("HSET", KEYS[1], "status", newStatus, "verification", ARGV[6], "verifyAttempts", ARGV[7], "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[3], "verifying", newStatus, ARGV[5])
if newStatus == "verifying" then
  redis.call("ZADD", KEYS[5], ARGV[8], jobId)
else
  redis.call("ZREM", KEYS[5], jobId)
  if newStatus == "releasing" then
    redis.call("ZADD", KEYS[6], now, jobId)
  else
    redis.call("ZADD", KEYS[7], now, jobId)
  end
end
if ARGV[9] ~= "" and redis.call("EXISTS", KEYS[4]) == 1 then
  redis.call("HINCRBY", KEYS[4], ARGV[9], 1)
end
return {"OK"}
