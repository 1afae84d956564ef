--[[
  Registers a node, or updates its hardware and price. A registering node is online.

  KEYS[1] node:{id}   KEYS[2] nodes   KEYS[3] nodes:lease
  ARGV[1] node id   ARGV[2] now (ms)   ARGV[3] gpuModel   ARGV[4] vramGb   ARGV[5] nodeClass
  ARGV[6] gpuCount   ARGV[7] priceFloor

  Returns {"CREATED"} | {"UPDATED"}
]]
local now = ARGV[2]
local existed = redis.call("EXISTS", KEYS[1]) == 1
if not existed then
  redis.call("HSET", KEYS[1],
    "nodeId", ARGV[1], "registeredAt", now, "jobId", "", "offer", "", "cancel", "",
    "sessions", 1, "onlineSince", now, "beats", 0, "latencySumMs", 0, "latencySamples", 0,
    "jobsAccepted", 0, "jobsAbandoned", 0, "offersExpired", 0, "proofsVerified", 0, "proofsRejected", 0)
  redis.call("SADD", KEYS[2], ARGV[1])
elseif redis.call("HGET", KEYS[1], "online") ~= "1" then
  redis.call("HSET", KEYS[1], "onlineSince", now)
  redis.call("HINCRBY", KEYS[1], "sessions", 1)
end
redis.call("HSET", KEYS[1],
  "gpuModel", ARGV[3], "vramGb", ARGV[4], "nodeClass", ARGV[5], "gpuCount", ARGV[6],
  "priceFloor", ARGV[7], "online", "1", "lastSeen", now, "updatedAt", now)
redis.call("ZADD", KEYS[3], now, ARGV[1])
if existed then
  return {"UPDATED"}
end
return {"CREATED"}
