--[[
  One heartbeat: the node is seen now (lease and last-seen), its latency is counted, and
  a beat naming the job the node was offered accepts that offer: the job runs from now,
  and its run deadline (now + maxDurationSecs, but never after settleBy, the last moment
  its escrow can still be settled) joins jobs:deadlines. Refuses an unknown node and a
  job the node does not hold before any write. A job the node must drop is returned
  once, with its reason ("jobId reason" in the node's cancelReason, if it names that job).

  The acceptance (offered → running) is the domain's to decide, like every transition:
  a beat that would accept and carries no decision is answered DECIDE before any write;
  the caller reads the job, asks the state machine, and beats again with the version it
  decided on and the history record. That beat accepts only if the job is still offered
  to the node at that version (else STALE, nothing written, and the caller decides again).

  KEYS[1] node:{id}   KEYS[2] nodes:lease   KEYS[3] job:{jobId}   KEYS[4] job:{jobId}:history
  KEYS[5] jobs:offered   KEYS[6] jobs:count   KEYS[7] jobs:deadlines
  ARGV[1] node id   ARGV[2] now (ms)   ARGV[3] job id or ""   ARGV[4] progress or ""
  ARGV[5] latency ms (integer)   ARGV[6] the job version the acceptance was decided on, or ""
  ARGV[7] the acceptance's history record (JSON), or ""

  Returns {"UNKNOWN_NODE"} | {"NOT_ASSIGNED"} | {"DECIDE"} | {"STALE"}
        | {"OK", offer JSON or "", job to cancel or "", the named job's status or "", cancel reason or ""}
]]
--- @include "job-at-version"
--- @include "job-transition"
local nodeId, now, jobId = ARGV[1], ARGV[2], ARGV[3]
local node = redis.call("HMGET", KEYS[1], "nodeId", "jobId", "online", "offer", "cancel", "cancelReason")
if not node[1] then
  return {"UNKNOWN_NODE"}
end
local cancel = node[5] or ""
local reason = ""
local said = node[6] or ""
if cancel ~= "" and string.sub(said, 1, string.len(cancel) + 1) == cancel .. " " then
  reason = string.sub(said, string.len(cancel) + 2)
end
local status = ""
if jobId ~= "" then
  if node[2] ~= jobId then
    -- A job ended for a reason (timed out, cancelled by its client) is answered with
    -- that cancel; a job the node lost is refused.
    if cancel ~= jobId or reason == "" then
      return {"NOT_ASSIGNED"}
    end
    status = redis.call("HGET", KEYS[3], "status") or ""
  else
    local job = redis.call("HMGET", KEYS[3], "status", "nodeId")
    if job[2] ~= nodeId then
      return {"NOT_ASSIGNED"}
    end
    status = job[1]
  end
end
local accepting = status == "offered" and node[2] == jobId
if accepting then
  if ARGV[6] == "" then
    return {"DECIDE"}
  end
  if ARGV[7] == "" or not jobAtVersion(KEYS[3], ARGV[6], {offered = true}, nodeId) then
    return {"STALE"}
  end
end

-- Writes.
if accepting then
  -- A new run: its verified progress starts from nothing (checkpoints are per node).
  redis.call("HSET", KEYS[3], "status", "running", "updatedAt", now, "runningSince", now, "verifiedProgress", "", "checkpointEpochs", "")
  local limits = redis.call("HMGET", KEYS[3], "maxDurationSecs", "settleBy")
  local maxSecs = tonumber(limits[1] or "")
  if maxSecs and maxSecs > 0 then
    local deadline = tonumber(now) + maxSecs * 1000
    local settleBy = tonumber(limits[2] or "")
    if settleBy and settleBy > 0 and settleBy < deadline then
      deadline = settleBy
    end
    redis.call("ZADD", KEYS[7], deadline, jobId)
  end
  recordTransition(KEYS[3], KEYS[4], KEYS[6], "offered", "running", ARGV[7])
  redis.call("ZREM", KEYS[5], jobId)
  redis.call("HSET", KEYS[1], "offer", "")
  redis.call("HINCRBY", KEYS[1], "jobsAccepted", 1)
  status = "running"
end
if status == "running" and node[2] == jobId and ARGV[4] ~= "" then
  redis.call("HSET", KEYS[3], "progress", ARGV[4], "progressAt", now)
end
if node[3] ~= "1" then
  redis.call("HSET", KEYS[1], "onlineSince", now)
  redis.call("HINCRBY", KEYS[1], "sessions", 1)
end
redis.call("HSET", KEYS[1], "online", "1", "lastSeen", now, "cancel", "", "cancelReason", "")
redis.call("HINCRBY", KEYS[1], "beats", 1)
redis.call("HINCRBY", KEYS[1], "latencySumMs", ARGV[5])
redis.call("HINCRBY", KEYS[1], "latencySamples", 1)
redis.call("ZADD", KEYS[2], now, nodeId)

local offer = node[4] or ""
if jobId ~= "" then
  offer = ""
end
return {"OK", offer, cancel, status, reason}
