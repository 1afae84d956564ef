--[[
  jobAtVersion(key, version, statuses, nodeId): the job's {status, version, nodeId} when
  it is still the snapshot the caller decided on: at `version`, in one of `statuses` (a
  set such as {running = true}; nil: any status) and held by `nodeId` (nil: not checked;
  "": held by no node). nil otherwise: the caller's snapshot is stale.
]]
local function jobAtVersion(key, version, statuses, nodeId)
  local job = redis.call("HMGET", key, "status", "version", "nodeId")
  if job[2] ~= version then
    return nil
  end
  if statuses ~= nil and not statuses[job[1]] then
    return nil
  end
  if nodeId ~= nil and (job[3] or "") ~= nodeId then
    return nil
  end
  return job
end
