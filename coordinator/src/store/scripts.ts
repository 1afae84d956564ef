/**
 * The Lua scripts in ./lua: every state change that touches more than one key is one
 * of them, so Redis applies it whole or not at all. A script is named
 * `<name>-<numKeys>.lua`; each checks everything first and writes last, so a refused
 * call writes nothing. Called by EVALSHA (one command), with EVAL as the fallback when
 * the server has forgotten the script (a restart).
 */
import { createHash } from "crypto";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";

import Redis from "ioredis";

import { storeCall } from "./failures";

export type ScriptName =
  | "submit-job"
  | "register-node"
  | "heartbeat"
  | "reserve-offer"
  | "publish-offer"
  | "expire-offer"
  | "expire-node"
  | "unlocked"
  | "report-job"
  | "release-held-job"
  | "proof-verdict"
  | "add-checkpoint"
  | "checkpoint-verdict"
  | "end-run"
  | "cancel-before-run"
  | "drop-deadline";

interface Script {
  readonly lua: string;
  readonly sha: string;
  readonly numKeys: number;
}

const LUA_DIR = join(__dirname, "lua");
const FILE_RE = /^([a-z-]+)-(\d+)\.lua$/;

function loadScripts(): Map<string, Script> {
  const scripts = new Map<string, Script>();
  for (const file of readdirSync(LUA_DIR)) {
    const match = FILE_RE.exec(file);
    if (match === null) continue;
    const lua = readFileSync(join(LUA_DIR, file), "utf8");
    scripts.set(match[1], { lua, sha: createHash("sha1").update(lua).digest("hex"), numKeys: Number(match[2]) });
  }
  return scripts;
}

export type ScriptArg = string | number;

export class Scripts {
  private readonly scripts = loadScripts();

  constructor(private readonly redis: Redis) {}

  /** Runs `name` with `keys` (exactly its numKeys) and `args`; returns the script's reply. */
  async run(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    const script = this.scripts.get(name);
    if (script === undefined) throw new Error(`no Lua script ${name}-<numKeys>.lua in ${LUA_DIR}`);
    if (keys.length !== script.numKeys) {
      throw new Error(`script ${name} takes ${script.numKeys} keys, got ${keys.length}`);
    }
    const reply = await storeCall(name, async () => {
      try {
        return await this.redis.evalsha(script.sha, script.numKeys, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await this.redis.eval(script.lua, script.numKeys, ...keys, ...args);
      }
    });
    if (!Array.isArray(reply) || typeof reply[0] !== "string") {
      throw new Error(`script ${name} replied ${JSON.stringify(reply)}, expected [status, ...]`);
    }
    return reply;
  }

  names(): string[] {
    return [...this.scripts.keys()].sort();
  }
}

/** The reply element at `index` as a string ("" when absent). */
export function replyString(reply: readonly unknown[], index: number): string {
  const value = reply[index];
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new Error(`script reply element ${index} is ${typeof value}, expected a string`);
}
