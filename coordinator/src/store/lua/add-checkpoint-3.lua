--[[
  The node running a job hands in a checkpoint: it is stored pending and queued for its
  check. Refused unless the job is running on that node under that job token; an epoch
  already handed in by that node answers with what is stored (the same CID and sha256:
  a repeat; anything else: a conflict); every checkpoint of a run names the same epochs.

  KEYS[1] job:{id}   KEYS[2] job:{id}:checkpoints   KEYS[3] checkpoints:due
  ARGV[1] job id   ARGV[2] node id   ARGV[3] job token   ARGV[4] the checkpoint's field
  ("{nodeId}:{epoch}")   ARGV[5] epochs   ARGV[6] the checkpoint (JSON, pending)
  ARGV[7] now (ms)   ARGV[8] cid   ARGV[9] sha256   ARGV[10] epoch

  A run that resumed from an earlier run's checkpoint (the job's resumeEpoch) hands in only
  epochs past it: an epoch at or below it is work this run did not do.

  Returns {"OK"} | {"NOT_RUNNING", status} | {"NOT_ASSIGNED"} | {"BAD_TOKEN"}
        | {"EXISTS", stored JSON} | {"CONFLICT", stored JSON} | {"EPOCHS_MISMATCH", epochs}
        | {"BEFORE_RESUME", resume epoch}
]]
local jobId, nodeId, field, epochs, now = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[7]
local job = redis.call("HMGET", KEYS[1], "status", "nodeId", "jobToken", "jobTokenNode", "checkpointEpochs", "resumeEpoch")
if not job[1] then
  return {"NOT_RUNNING", ""}
end
if job[3] ~= ARGV[3] or job[4] ~= job[2] then
  return {"BAD_TOKEN"}
end
if job[2] ~= nodeId then
  return {"NOT_ASSIGNED"}
end
local stored = redis.call("HGET", KEYS[2], field)
if stored then
  local checkpoint = cjson.decode(stored)
  if checkpoint.cid == ARGV[8] and checkpoint.sha256 == ARGV[9] and tostring(checkpoint.epochs) == epochs then
    return {"EXISTS", stored}
  end
  return {"CONFLICT", stored}
end
if job[1] ~= "running" then
  return {"NOT_RUNNING", job[1]}
end
if job[5] and job[5] ~= "" and job[5] ~= epochs then
  return {"EPOCHS_MISMATCH", job[5]}
end
local resumeEpoch = tonumber(job[6] or "0") or 0
if tonumber(ARGV[10]) <= resumeEpoch then
  return {"BEFORE_RESUME", tostring(resumeEpoch)}
end

redis.call("HSET", KEYS[1], "checkpointEpochs", epochs)
redis.call("HSET", KEYS[2], field, ARGV[6])
redis.call("ZADD", KEYS[3], now, jobId .. " " .. field)
return {"OK"}
