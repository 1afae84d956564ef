--[[
  jobLeavesNode(excludedKey, offeredKey, unlockingKey, refundingKey, jobId, nodeId, to, now):
  a job taken from its node (offer expired, node lost, abandoned, taken back) never goes
  to that node again, leaves jobs:offered, and waits either for its escrow unlock
  (queued) or for its refund (refunding, after the last allowed attempt).
]]
local function jobLeavesNode(excludedKey, offeredKey, unlockingKey, refundingKey, jobId, nodeId, to, now)
  redis.call("SADD", excludedKey, nodeId)
  redis.call("ZREM", offeredKey, jobId)
  if to == "refunding" then
    redis.call("ZADD", refundingKey, now, jobId)
  else
    redis.call("ZADD", unlockingKey, now, jobId)
  end
end
