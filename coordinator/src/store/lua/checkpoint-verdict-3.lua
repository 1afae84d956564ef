--[[
  Records the check of a pending checkpoint. verified: if the job is still running on
  the checkpoint's node and the epoch is beyond its verified progress, that progress
  moves up (and the job's version, so a timeout or cancel decided on the old progress
  is decided again); rejected: recorded, counts nothing; retry: stays pending, due
  again at nextAt. A checkpoint that is gone or already decided only leaves the queue.

  KEYS[1] job:{id}   KEYS[2] job:{id}:checkpoints   KEYS[3] checkpoints:due
  ARGV[1] the queue member   ARGV[2] the checkpoint's field   ARGV[3] node id
  ARGV[4] "verified" | "rejected" | "retry"   ARGV[5] the checkpoint after the check (JSON)
  ARGV[6] nextAt (ms, retry)   ARGV[7] the verified progress (JSON, verified)   ARGV[8] epoch

  Returns {"OK", "progressed" | "recorded"} | {"GONE"}
]]
local member, field, nodeId, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local stored = redis.call("HGET", KEYS[2], field)
if not stored or cjson.decode(stored).status ~= "pending" then
  redis.call("ZREM", KEYS[3], member)
  return {"GONE"}
end
redis.call("HSET", KEYS[2], field, ARGV[5])
if outcome == "retry" then
  redis.call("ZADD", KEYS[3], ARGV[6], member)
  return {"OK", "recorded"}
end
redis.call("ZREM", KEYS[3], member)
if outcome ~= "verified" then
  return {"OK", "recorded"}
end
local job = redis.call("HMGET", KEYS[1], "status", "nodeId", "verifiedProgress")
if job[1] ~= "running" or job[2] ~= nodeId then
  return {"OK", "recorded"}
end
if job[3] and job[3] ~= "" and cjson.decode(job[3]).epoch >= tonumber(ARGV[8]) then
  return {"OK", "recorded"}
end
redis.call("HSET", KEYS[1], "verifiedProgress", ARGV[7])
redis.call("HINCRBY", KEYS[1], "version", 1)
return {"OK", "progressed"}
