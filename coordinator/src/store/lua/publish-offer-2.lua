--[[
  Makes a reserved offer visible to its node (its next heartbeat returns it), once the
  escrow is locked to the node, with the offer's job-scoped token (in the offer too): the
  node's report and checkpoints must carry it. Refused when the job is no longer offered
  to that node.

  KEYS[1] job:{id}   KEYS[2] node:{nodeId}
  ARGV[1] job id   ARGV[2] node id   ARGV[3] the offer (JSON)   ARGV[4] the job token
  ARGV[5] the epoch the offer resumes from (its resumeFrom; 0: none): the run is paid
  only for verified epochs past it

  Returns {"OK"} | {"STALE"}
]]
local job = redis.call("HMGET", KEYS[1], "status", "nodeId")
if job[1] ~= "offered" or job[2] ~= ARGV[2] then
  return {"STALE"}
end
if redis.call("HGET", KEYS[2], "jobId") ~= ARGV[1] then
  return {"STALE"}
end
redis.call("HSET", KEYS[1], "jobToken", ARGV[4], "jobTokenNode", ARGV[2], "resumeEpoch", ARGV[5] or "0")
redis.call("HSET", KEYS[2], "offer", ARGV[3])
return {"OK"}
