/**
 * The one Redis connection factory. The coordinator keeps money intents and
 * job state in Redis, so a store that may evict keys is refused at start-up,
 * and commands fail fast (no offline queue) when Redis is down so the API can
 * answer 503 at once instead of hanging.
 */
import Redis from "ioredis";

import type { CoordinatorConfig } from "../config";
import type { Logger } from "../logger";

export class StoreUnsafeError extends Error {
  readonly code = "REDIS_MAY_EVICT";
  constructor(message: string) {
    super(message);
    this.name = "StoreUnsafeError";
  }
}

export class StoreUnavailableError extends Error {
  readonly code = "REDIS_UNAVAILABLE";
  constructor(message: string) {
    super(message);
    this.name = "StoreUnavailableError";
  }
}

/** Connect and check that the server is safe to keep money intents in. */
export async function connectRedis(config: CoordinatorConfig["redis"], log: Logger): Promise<Redis> {
  const redis = new Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.commandTimeoutMs,
    // Keep reconnecting for ever, gently: Redis coming back must resume work.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on("error", (error: Error) => log.warn("redis connection error", { error: error.message }));
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new StoreUnavailableError(
      `cannot connect to Redis at ${config.url}: ${(e as Error).message}. Fix: start redis-server or set CYXWIZ_REDIS_URL.`,
    );
  }
  try {
    await assertSafeForMoney(redis, log);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  return redis;
}

export async function assertSafeForMoney(redis: Redis, log: Logger): Promise<void> {
  const policy = (await redis.config("GET", "maxmemory-policy")) as string[];
  if (policy[1] !== "noeviction") {
    throw new StoreUnsafeError(
      `Redis maxmemory-policy is ${policy[1]}: it may evict keys, and the coordinator keeps money intents there. ` +
        "Fix: set `maxmemory-policy noeviction` in redis.conf (or CONFIG SET maxmemory-policy noeviction) and restart the coordinator.",
    );
  }
  const appendonly = (await redis.config("GET", "appendonly")) as string[];
  if (appendonly[1] !== "yes") {
    log.warn("redis has appendonly off: a Redis crash can lose the last writes; set `appendonly yes`");
  }
}
