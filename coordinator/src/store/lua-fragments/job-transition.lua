--[[
  recordTransition(jobKey, historyKey, countsKey, from, to, record): the lines every
  written transition shares. The job's version moves on (so every snapshot taken before
  is stale), the domain's history record is appended, and jobs:count moves the job from
  `from` to `to` (relative changes only: other jobs change the counts concurrently; a
  transition that keeps the status counts nothing). The caller sets the status and its
  other fields itself.
]]
local function recordTransition(jobKey, historyKey, countsKey, from, to, record)
  redis.call("HINCRBY", jobKey, "version", 1)
  redis.call("RPUSH", historyKey, record)
  if from ~= to then
    redis.call("HINCRBY", countsKey, from, -1)
    redis.call("HINCRBY", countsKey, to, 1)
  end
end
