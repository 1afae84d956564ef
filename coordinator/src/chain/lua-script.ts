/**
 * A Lua script kept in `./lua/<name>.lua` (BullMQ's convention: the number in the
 * name is the count of fixed KEYS), run with EVALSHA and re-sent with EVAL when the
 * server does not know it: a restarted Redis has an empty script cache.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import Redis from "ioredis";

export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  static load(name: string): LuaScript {
    return new LuaScript(name, readFileSync(join(__dirname, "lua", `${name}.lua`), "utf8"));
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
