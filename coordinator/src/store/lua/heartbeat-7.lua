--[[
  One heartbeat: the node is seen now (lease and last-seen), its latency is counted, and
  a beat naming the job the node was offered accepts that offer. Refuses an unknown node
  and a job the node does not hold before any write.

  KEYS[1] node:{id}   KEYS[2] nodes:lease   KEYS[3] job:{jobId}   KEYS[4] job:{jobId}:history
  KEYS[5] jobs:offered   KEYS[6] jobs:count
  ARGV[1] node id   ARGV[2] now (ms)   ARGV[3] job id or ""   ARGV[4] progress or ""
  ARGV[5] latency ms (integer)   ARGV[6] the history record of an acceptance (JSON)

  Returns {"UNKNOWN_NODE"} | {"NOT_ASSIGNED"}
        | {"OK", offer JSON or "", job to cancel or "", the named job's status or ""}
]]
local nodeId, now, jobId = ARGV[1], ARGV[2], ARGV[3]
local node = redis.call("HMGET", KEYS[1], "nodeId", "jobId", "online", "offer", "cancel")
if not node[1] then
  return {"UNKNOWN_NODE"}
end
local status = ""
if jobId ~= "" then
  if node[2] ~= jobId then
    return {"NOT_ASSIGNED"}
  end
  local job = redis.call("HMGET", KEYS[3], "status", "nodeId")
  if job[2] ~= nodeId then
    return {"NOT_ASSIGNED"}
  end
  status = job[1]
end

-- Writes.
if status == "offered" then
  redis.call("HSET", KEYS[3], "status", "running", "updatedAt", now)
  redis.call("HINCRBY", KEYS[3], "version", 1)
  redis.call("RPUSH", KEYS[4], ARGV[6])
  redis.call("ZREM", KEYS[5], jobId)
  redis.call("HINCRBY", KEYS[6], "offered", -1)
  redis.call("HINCRBY", KEYS[6], "running", 1)
  redis.call("HSET", KEYS[1], "offer", "")
  redis.call("HINCRBY", KEYS[1], "jobsAccepted", 1)
  status = "running"
end
if status == "running" and ARGV[4] ~= "" then
  redis.call("HSET", KEYS[3], "progress", ARGV[4], "progressAt", now)
end
if node[3] ~= "1" then
  redis.call("HSET", KEYS[1], "onlineSince", now)
  redis.call("HINCRBY", KEYS[1], "sessions", 1)
end
redis.call("HSET", KEYS[1], "online", "1", "lastSeen", now, "cancel", "")
redis.call("HINCRBY", KEYS[1], "beats", 1)
redis.call("HINCRBY", KEYS[1], "latencySumMs", ARGV[5])
redis.call("HINCRBY", KEYS[1], "latencySamples", 1)
redis.call("ZADD", KEYS[2], now, nodeId)

local offer = node[4] or ""
if jobId ~= "" then
  offer = ""
end
return {"OK", offer, node[5] or "", status}
