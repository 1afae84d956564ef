--[[
  Creates a queued job together with the idempotency record of its submission, or
  answers from that record. Checks first, writes last: a refused call writes nothing.

  KEYS[1] idem:{client}:{key}   KEYS[2] job:{id}        KEYS[3] job:{id}:history
  KEYS[4] quote:{id}            KEYS[5] quote:{id}:used KEYS[6] jobs:queued
  KEYS[7] jobs:count            KEYS[8] client:{client}:jobs   KEYS[9] escrow:held
  ARGV[1] sha256 of the request body   ARGV[2] the response (JSON)   ARGV[3] idempotency TTL ms
  ARGV[4] job id   ARGV[5] queue urgency   ARGV[6] quote expiry (unix ms)
  ARGV[7] the first history record (JSON)   ARGV[8] submittedAt (ms, the client index's score)
  ARGV[9], ARGV[10] the escrow amount as held counters (hi, lo; see ledger.ts)
  ARGV[11..] the job's fields, name value ...

  Returns {"CREATED", response} | {"REPLAYED", response} | {"IDEMPOTENCY_CONFLICT"}
        | {"JOB_EXISTS"} | {"QUOTE_EXPIRED"} | {"QUOTE_USED", jobId}
]]
local stored = redis.call("HMGET", KEYS[1], "bodyHash", "response")
if stored[1] then
  if stored[1] == ARGV[1] then
    return {"REPLAYED", stored[2]}
  end
  return {"IDEMPOTENCY_CONFLICT"}
end
if redis.call("EXISTS", KEYS[2]) == 1 then
  return {"JOB_EXISTS"}
end
if redis.call("EXISTS", KEYS[4]) == 0 then
  return {"QUOTE_EXPIRED"}
end
local usedBy = redis.call("GET", KEYS[5])
if usedBy then
  return {"QUOTE_USED", usedBy}
end

redis.call("HSET", KEYS[2], unpack(ARGV, 11))
redis.call("RPUSH", KEYS[3], ARGV[7])
redis.call("ZADD", KEYS[6], ARGV[5], ARGV[4])
redis.call("HINCRBY", KEYS[7], "queued", 1)
redis.call("ZADD", KEYS[8], ARGV[8], ARGV[4])
redis.call("HINCRBY", KEYS[9], "open", 1)
redis.call("HINCRBY", KEYS[9], "heldHi", ARGV[9])
redis.call("HINCRBY", KEYS[9], "heldLo", ARGV[10])
redis.call("SET", KEYS[5], ARGV[4], "PXAT", ARGV[6])
redis.call("HSET", KEYS[1], "bodyHash", ARGV[1], "response", ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return {"CREATED", ARGV[2]}
