/**
 * The one way the coordinator runs Lua: the store's job scripts (./lua) and the chain
 * side's money-intent scripts (chain/lua) alike. A script file is named
 * `<name>-<numKeys>.lua`, the number being how many KEYS it takes (BullMQ's
 * convention); its `--- @include "fragment"` lines are filled from ./lua-fragments when
 * the folder is loaded (lua-include.ts). A script is called by EVALSHA (one command),
 * with EVAL as the fallback when the server has forgotten it (a restarted Redis has an
 * empty script cache).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type Redis from "ioredis";

import { expandIncludes } from "./lua-include";

export type ScriptArg = string | number;

export interface LuaScript {
  readonly name: string;
  /** The script as sent, its fragments spliced in. */
  readonly lua: string;
  readonly sha: string;
  readonly numKeys: number;
}

const FRAGMENTS_DIR = join(__dirname, "lua-fragments");
const FILE_RE = /^([a-z-]+)-(\d+)\.lua$/;

function fragment(name: string): string | undefined {
  const file = join(FRAGMENTS_DIR, `${name}.lua`);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

const loaded = new Map<string, ReadonlyMap<string, LuaScript>>();

/** Every `<name>-<numKeys>.lua` in `dir`, by name; read once per process. */
export function loadLuaScripts(dir: string): ReadonlyMap<string, LuaScript> {
  const known = loaded.get(dir);
  if (known !== undefined) return known;
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(dir)) {
    const match = FILE_RE.exec(file);
    if (match === null) continue;
    const lua = expandIncludes(file, readFileSync(join(dir, file), "utf8"), fragment);
    scripts.set(match[1], { name: match[1], lua, sha: createHash("sha1").update(lua).digest("hex"), numKeys: Number(match[2]) });
  }
  loaded.set(dir, scripts);
  return scripts;
}

/** The scripts of one folder, run over one connection. */
export class LuaRunner<Name extends string = string> {
  private readonly scripts: ReadonlyMap<string, LuaScript>;

  constructor(
    private readonly redis: Redis,
    private readonly dir: string,
  ) {
    this.scripts = loadLuaScripts(dir);
  }

  /** Runs `name` with `keys` (exactly its numKeys) and `args`; returns the script's reply. */
  run(name: Name, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    return this.runWithExtraKeys(name, keys, [], args);
  }

  /**
   * Runs `name` with its `keys` (exactly its numKeys) followed by `extraKeys`, keys the
   * script is told about in its arguments (the writes it applies for its caller).
   */
  async runWithExtraKeys(name: Name, keys: readonly string[], extraKeys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const script = this.check(name, keys);
    const all = [...keys, ...extraKeys];
    try {
      return await this.redis.evalsha(script.sha, all.length, ...all, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await this.redis.eval(script.lua, all.length, ...all, ...args);
    }
  }

  names(): string[] {
    return [...this.scripts.keys()].sort();
  }

  /** The script `name`, if it exists and takes exactly `keys.length` keys; else throws (a bug, not Redis). */
  check(name: Name, keys: readonly string[]): LuaScript {
    const script = this.scripts.get(name);
    if (script === undefined) throw new Error(`no Lua script ${name}-<numKeys>.lua in ${this.dir}`);
    if (keys.length !== script.numKeys) {
      throw new Error(`script ${name} takes ${script.numKeys} keys, got ${keys.length}`);
    }
    return script;
  }
}
