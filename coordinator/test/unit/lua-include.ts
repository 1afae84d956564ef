import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join } from "node:path";

import { expandIncludes, LuaIncludeError } from "../../src/store/lua-include";
import { loadLuaScripts } from "../../src/store/lua-runner";

const STORE_LUA = join(__dirname, "../../src/store/lua");
const CHAIN_LUA = join(__dirname, "../../src/chain/lua");

function fragments(map: Record<string, string>) {
  return (name: string): string | undefined => map[name];
}

describe("Lua fragments spliced at load time", () => {
  it("an include line is replaced by the fragment's text, in place", () => {
    const script = 'local a = 1\n--- @include "helper"\nreturn helper(a)\n';
    const out = expandIncludes("s-1.lua", script, fragments({ helper: "local function helper(x)\n  return x\nend\n" }));
    expect(out).to.equal("local a = 1\nlocal function helper(x)\n  return x\nend\nreturn helper(a)\n");
  });

  it("fragments include fragments; one needed twice is spliced once, where first asked for", () => {
    const out = expandIncludes(
      "s-1.lua",
      '--- @include "a"\n--- @include "b"\nbody',
      fragments({ a: '--- @include "base"\nA', b: '--- @include "base"\nB', base: "BASE" }),
    );
    expect(out).to.equal("BASE\nA\n-- (base: included above)\nB\nbody");
  });

  it("lines that only look alike are left alone", () => {
    const script = '-- @include "x"\nlocal s = \'--- @include "x"\'\n---@include x\n';
    expect(expandIncludes("s-1.lua", script, fragments({}))).to.equal(script);
  });

  it("error: an unknown fragment names the script and the fragment", () => {
    expect(() => expandIncludes("heartbeat-7.lua", '--- @include "nope"', fragments({})))
      .to.throw(LuaIncludeError)
      .with.property("message", 'heartbeat-7.lua: no Lua fragment named "nope"');
  });

  it("error: an include cycle is refused, showing the cycle", () => {
    expect(() => expandIncludes("s-1.lua", '--- @include "a"', fragments({ a: '--- @include "b"', b: '--- @include "a"' })))
      .to.throw(LuaIncludeError)
      .with.property("message", "s-1.lua: include cycle a -> b -> a");
  });

  it("every store and chain script loads, numKeys from its file name, no include left unexpanded", () => {
    for (const dir of [STORE_LUA, CHAIN_LUA]) {
      const scripts = loadLuaScripts(dir);
      expect(scripts.size, dir).to.equal(readdirSync(dir).filter((file) => file.endsWith(".lua")).length);
      for (const script of scripts.values()) {
        expect(script.lua, script.name).to.not.match(/^[ \t]*---[ \t]*@include/m);
        expect(script.sha, script.name).to.match(/^[0-9a-f]{40}$/);
      }
    }
    expect(loadLuaScripts(STORE_LUA).get("heartbeat")?.lua).to.contain("local function jobAtVersion(");
    expect(loadLuaScripts(CHAIN_LUA).get("complete-intent")?.numKeys).to.equal(3);
  });
});
