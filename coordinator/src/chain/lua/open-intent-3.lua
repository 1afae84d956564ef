-- Open the money intent of a job, or tell the caller which intent it must follow.
-- One intent per job: this script is the lock (no in-memory flag can span processes).
--
-- KEYS[1] intent hash     KEYS[2] per-job sequence counter     KEYS[3] set of jobs with an open intent
-- ARGV[1] jobId  ARGV[2] action  ARGV[3] args (canonical JSON)  ARGV[4] signed tx (base64, may be "")
-- ARGV[5] signature (may be "")  ARGV[6] blockhash  ARGV[7] lastValidBlockHeight
-- ARGV[8] escrow attempt counter when signed  ARGV[9] now (unix ms)
--
-- Returns {verdict, fields}: "created" (this caller's transaction is the intent),
-- "open" (a pending intent exists: the caller joins it if it is the same action,
-- or is refused), "done" (this very action already completed: its record).
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'pending' then
  return {'open', redis.call('HGETALL', KEYS[1])}
end
if state == 'confirmed'
  and redis.call('HGET', KEYS[1], 'action') == ARGV[2]
  and redis.call('HGET', KEYS[1], 'args') == ARGV[3] then
  return {'done', redis.call('HGETALL', KEYS[1])}
end
-- Any earlier intent of the job is finished; its audit copy lives under intent-done.
local seq = redis.call('INCR', KEYS[2])
local signatures = '[]'
if ARGV[5] ~= '' then signatures = cjson.encode({ARGV[5]}) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1],
  'jobId', ARGV[1], 'seq', seq, 'action', ARGV[2], 'args', ARGV[3],
  'tx', ARGV[4], 'signature', ARGV[5], 'signatures', signatures,
  'blockhash', ARGV[6], 'lastValidBlockHeight', ARGV[7], 'escrowAttempt', ARGV[8],
  'attempts', 1, 'state', 'pending', 'createdAt', ARGV[9], 'updatedAt', ARGV[9])
redis.call('SADD', KEYS[3], ARGV[1])
return {'created', redis.call('HGETALL', KEYS[1])}
