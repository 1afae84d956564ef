/**
 * Shared Lua fragments, spliced into scripts when they are loaded. A script line that
 * reads exactly
 *
 *     --- @include "job-transition"
 *
 * is replaced by the text of the fragment of that name. A fragment may include others.
 * Each fragment is spliced once per script, where it is first asked for (a later ask is
 * dropped), so two fragments that both need a third do not define it twice. An unknown
 * name or an include cycle fails the load, naming the script.
 *
 * The line is a Lua comment, so a script read without this loader still parses; it just
 * lacks the functions the fragment defines.
 */
export type FragmentSource = (name: string) => string | undefined;

const INCLUDE = /^[ \t]*---[ \t]*@include[ \t]+"([A-Za-z0-9_-]+)"[ \t]*\r?$/;

export class LuaIncludeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LuaIncludeError";
  }
}

/** `source` (the script `scriptName`) with every include replaced by its fragment. */
export function expandIncludes(scriptName: string, source: string, fragment: FragmentSource): string {
  const spliced = new Set<string>();
  const expand = (text: string, stack: readonly string[]): string =>
    text
      .split("\n")
      .map((line) => {
        const match = INCLUDE.exec(line);
        if (match === null) return line;
        const name = match[1];
        if (stack.includes(name)) {
          throw new LuaIncludeError(`${scriptName}: include cycle ${[...stack, name].join(" -> ")}`);
        }
        if (spliced.has(name)) return `-- (${name}: included above)`;
        const body = fragment(name);
        if (body === undefined) throw new LuaIncludeError(`${scriptName}: no Lua fragment named "${name}"`);
        spliced.add(name);
        return expand(body.replace(/\n$/, ""), [...stack, name]);
      })
      .join("\n");
  return expand(source, []);
}
