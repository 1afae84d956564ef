-- Replace the signed transaction of a pending intent by a newly signed one, after
-- the old one's blockhash expired without landing. Compare-and-set on (seq,
-- attempts): of several processes following the same intent, exactly one re-signs;
-- the others adopt its transaction.
--
-- KEYS[1] intent hash
-- ARGV[1] seq  ARGV[2] attempts the caller saw  ARGV[3] signed tx (base64)  ARGV[4] signature
-- ARGV[5] blockhash  ARGV[6] lastValidBlockHeight  ARGV[7] now (unix ms)
--
-- Returns {1, fields} when replaced, {0, fields} (the current record, maybe empty) otherwise.
local current = redis.call('HMGET', KEYS[1], 'state', 'seq', 'attempts', 'signatures')
if current[1] ~= 'pending' or current[2] ~= ARGV[1] or current[3] ~= ARGV[2] then
  return {0, redis.call('HGETALL', KEYS[1])}
end
local signatures = cjson.decode(current[4])
table.insert(signatures, ARGV[4])
redis.call('HSET', KEYS[1],
  'tx', ARGV[3], 'signature', ARGV[4], 'blockhash', ARGV[5], 'lastValidBlockHeight', ARGV[6],
  'attempts', tonumber(ARGV[2]) + 1, 'signatures', cjson.encode(signatures), 'updatedAt', ARGV[7])
return {1, redis.call('HGETALL', KEYS[1])}
