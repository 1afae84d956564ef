-- Finish a pending intent (confirmed or failed) and apply the caller's state
-- change, all or nothing: the job can never show "released" without the intent
-- being done, nor the other way round. Applies only to the pending intent of
-- sequence ARGV[1], so when several processes observe the same landing, exactly
-- one of them records it and applies the writes.
--
-- KEYS[1] intent hash  KEYS[2] set of jobs with an open intent  KEYS[3] audit copy (intent-done)
-- KEYS[4..] keys of the caller's writes (beyond the 3 fixed keys the file name counts)
-- ARGV[1] seq  ARGV[2] state (confirmed|failed)  ARGV[3] via (transaction|chain-state)
-- ARGV[4] landed signature (or "")  ARGV[5] error name (or "")  ARGV[6] detail (or "")
-- ARGV[7] now (unix ms)  ARGV[8] writes: JSON [{op, key (index into KEYS), args}]
--
-- Returns 1 when this call finished the intent, 0 when it was not pending (any more).
local current = redis.call('HMGET', KEYS[1], 'state', 'seq', 'jobId')
if current[1] ~= 'pending' or current[2] ~= ARGV[1] then
  return 0
end
-- Validate every write before doing any: a script that fails half-way keeps its earlier writes.
local allowed = {HSET = true, HINCRBY = true, HDEL = true, SET = true, DEL = true, SADD = true, SREM = true,
  ZADD = true, ZREM = true, RPUSH = true}
local writes = cjson.decode(ARGV[8])
for _, write in ipairs(writes) do
  if not allowed[write.op] or type(write.key) ~= 'number' or KEYS[write.key] == nil or write.key < 4 then
    return redis.error_reply('complete-intent: refused write ' .. cjson.encode(write))
  end
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'via', ARGV[3], 'landedSignature', ARGV[4],
  'error', ARGV[5], 'detail', ARGV[6], 'doneAt', ARGV[7], 'updatedAt', ARGV[7])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], unpack(redis.call('HGETALL', KEYS[1])))
redis.call('SREM', KEYS[2], current[3])
for _, write in ipairs(writes) do
  redis.call(write.op, KEYS[write.key], unpack(write.args))
end
return 1
