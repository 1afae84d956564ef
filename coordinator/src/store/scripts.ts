/**
 * The store's Lua scripts in ./lua: every state change that touches more than one key
 * is one of them, so Redis applies it whole or not at all. A script is named
 * `<name>-<numKeys>.lua`; each checks everything first and writes last, so a refused
 * call writes nothing. The lines several scripts share (the version check, a
 * transition's history and counts) are fragments in ./lua-fragments, spliced in at load
 * time; loading and calling is lua-runner.ts's, shared with the chain side's scripts.
 */
import { join } from "node:path";

import type Redis from "ioredis";

import { storeCall } from "./failures";
import { LuaRunner, type ScriptArg } from "./lua-runner";

export type { ScriptArg } from "./lua-runner";

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

export class Scripts {
  private readonly runner: LuaRunner<ScriptName>;

  constructor(redis: Redis) {
    this.runner = new LuaRunner(redis, join(__dirname, "lua"));
  }

  /** Runs `name` with `keys` (exactly its numKeys) and `args`; returns the script's reply. */
  async run(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    this.runner.check(name, keys);
    const reply = await storeCall(name, () => this.runner.run(name, keys, args));
    if (!Array.isArray(reply) || typeof reply[0] !== "string") {
      throw new Error(`script ${name} replied ${JSON.stringify(reply)}, expected [status, ...]`);
    }
    return reply;
  }

  names(): string[] {
    return this.runner.names();
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
