/**
 * Security tests 31 (part) and 32 against a real redis-server, started by
 * scripts/test.sh on $CYXWIZ_TEST_REDIS_URL.
 */
import { expect } from "chai";
import Redis from "ioredis";

import { DEFAULT_CONFIG } from "../../src/config";
import { memoryLogger } from "../../src/logger";
import { connectRedis, StoreUnavailableError, StoreUnsafeError } from "../../src/store/redis";

const url = process.env.CYXWIZ_TEST_REDIS_URL ?? "redis://127.0.0.1:16379";
const settings = { ...DEFAULT_CONFIG.redis, url };

describe("redis store: start-up safety", () => {
  let admin: Redis;
  before(async () => {
    admin = new Redis(url, { lazyConnect: true });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.config("SET", "maxmemory-policy", "noeviction");
  });
  after(() => admin.disconnect());

  it("connects to a redis that never evicts keys", async () => {
    const redis = await connectRedis(settings, memoryLogger());
    expect(await redis.ping()).to.equal("PONG");
    redis.disconnect();
  });

  for (const policy of ["allkeys-lru", "volatile-lru", "allkeys-random", "volatile-ttl"]) {
    it(`32: refuses a redis whose maxmemory-policy is ${policy}, naming the fix`, async () => {
      await admin.config("SET", "maxmemory-policy", policy);
      let error: unknown;
      try {
        await connectRedis(settings, memoryLogger());
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(StoreUnsafeError);
      expect((error as Error).message)
        .to.contain(policy)
        .and.to.contain("noeviction");
    });
  }

  it("31: an unreachable redis fails fast with a message naming the fix", async () => {
    const started = Date.now();
    let error: unknown;
    try {
      await connectRedis({ ...settings, url: "redis://127.0.0.1:1" }, memoryLogger());
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).message).to.contain("CYXWIZ_REDIS_URL");
    expect(Date.now() - started).to.be.below(5_000);
  });
});
