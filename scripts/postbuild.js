#!/usr/bin/env node
/**
 * After `tsc -b` (npm run build): what tsc does not emit. The coordinator's Redis Lua
 * scripts (coordinator/src/**\/*.lua, read at run time from next to the compiled modules)
 * are copied into coordinator/dist, and the packages' bins are made executable.
 */
const { chmodSync, cpSync, existsSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
cpSync(join(root, "coordinator/src"), join(root, "coordinator/dist"), {
  recursive: true,
  filter: (path) => statSync(path).isDirectory() || path.endsWith(".lua"),
});
for (const bin of ["app/cli/dist/main.js", "coordinator/dist/main.js"]) {
  if (existsSync(join(root, bin))) chmodSync(join(root, bin), 0o755);
}
