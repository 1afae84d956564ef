--[[
  A node reports the weights of the job it runs: the job waits for verification and the
  node is free for other work. Refused unless the job is running on that node at the
  version the caller computed from; the same report again is answered as done.

  KEYS[1] job:{id}   KEYS[2] job:{id}:history   KEYS[3] jobs:count   KEYS[4] node:{nodeId}
  KEYS[5] jobs:verifying
  ARGV[1] job id   ARGV[2] node id   ARGV[3] expected job version   ARGV[4] now (ms)
  ARGV[5] the proof (JSON)   ARGV[6] the metrics (JSON)   ARGV[7] the history record (JSON)

  Returns {"OK"} | {"ALREADY_REPORTED"} | {"NOT_ASSIGNED"} | {"STALE"}
]]
--- @include "job-transition"
local jobId, nodeId, now = ARGV[1], ARGV[2], ARGV[4]
local job = redis.call("HMGET", KEYS[1], "status", "version", "nodeId", "proof")
if job[3] ~= nodeId then
  return {"NOT_ASSIGNED"}
end
if job[1] == "verifying" and job[4] == ARGV[5] then
  return {"ALREADY_REPORTED"}
end
if redis.call("HGET", KEYS[4], "jobId") ~= jobId then
  return {"NOT_ASSIGNED"}
end
if job[1] ~= "running" or job[2] ~= ARGV[3] then
  return {"STALE"}
end

redis.call("HSET", KEYS[1], "status", "verifying", "proof", ARGV[5], "metrics", ARGV[6], "reportedAt", now, "updatedAt", now)
recordTransition(KEYS[1], KEYS[2], KEYS[3], "running", "verifying", ARGV[7])
redis.call("HSET", KEYS[4], "jobId", "")
redis.call("ZADD", KEYS[5], now, jobId)
return {"OK"}
