/**
 * A small argument parser: commands are paths of words (`node start`), flags are
 * `--name value`, `--name=value`, `-x value` or boolean `--name`. Global flags are
 * accepted anywhere; a command's own flags after its name. Anything unknown or
 * malformed is a usage error (exit 2) naming the command's --help.
 */
import { usageError } from "./errors";

export type FlagType = "string" | "number" | "boolean" | "list";

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly help: string;
  readonly alias?: string;
  /** Shown in the help, e.g. "PATH". */
  readonly value?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  readonly optional?: boolean;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export interface Parsed {
  readonly command: readonly string[];
  readonly positionals: readonly string[];
  readonly flags: FlagValues;
  readonly help: boolean;
}

export interface CommandShape {
  readonly path: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly positionals: readonly PositionalSpec[];
}

function findFlag(specs: readonly FlagSpec[], token: string): FlagSpec | undefined {
  if (token.startsWith("--")) return specs.find((spec) => spec.name === token.slice(2));
  return specs.find((spec) => spec.alias !== undefined && spec.alias === token.slice(1));
}

function setFlag(flags: FlagValues, spec: FlagSpec, raw: string | undefined, where: string): void {
  if (spec.type === "boolean") {
    if (raw !== undefined && raw !== "true" && raw !== "false") throw usageError(`--${spec.name} takes no value (${where})`);
    flags[spec.name] = raw !== "false";
    return;
  }
  if (raw === undefined) throw usageError(`--${spec.name} needs a value (${where})`);
  if (spec.type === "number") {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value))
      throw usageError(`--${spec.name} must be a number, got ${JSON.stringify(raw)} (${where})`);
    flags[spec.name] = value;
  } else if (spec.type === "list") {
    const previous = (flags[spec.name] as string[] | undefined) ?? [];
    flags[spec.name] = [
      ...previous,
      ...raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    ];
  } else {
    flags[spec.name] = raw;
  }
}

/**
 * Parses `argv` against the commands; the command is the longest run of leading words
 * naming one. Returns the command path even when it is only a group (`node`), so the
 * caller can print that group's help.
 */
export function parseArgs(argv: readonly string[], commands: readonly CommandShape[], globals: readonly FlagSpec[]): Parsed {
  const words: string[] = [];
  const positionals: string[] = [];
  const flags: FlagValues = {};
  let command: CommandShape | undefined;
  let help = false;
  const isGroup = (path: readonly string[]): boolean =>
    commands.some((c) => path.every((word, i) => c.path[i] === word) && c.path.length > path.length);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--help" || token === "-h") {
      help = true;
      continue;
    }
    if (token.startsWith("-") && token !== "-" && !/^-\d/.test(token)) {
      const eq = token.indexOf("=");
      const name = eq > 0 && token.startsWith("--") ? token.slice(0, eq) : token;
      const specs = [...globals, ...(command?.flags ?? [])];
      const spec = findFlag(specs, name);
      const where = command === undefined ? "cyxwiz --help lists the commands" : `see cyxwiz ${command.path.join(" ")} --help`;
      if (spec === undefined) throw usageError(`unknown flag ${name} (${where})`);
      let raw: string | undefined = eq > 0 && token.startsWith("--") ? token.slice(eq + 1) : undefined;
      if (raw === undefined && spec.type !== "boolean") raw = argv[++i];
      setFlag(flags, spec, raw, where);
      continue;
    }
    if (command === undefined) {
      words.push(token);
      const exact = commands.find((c) => c.path.length === words.length && c.path.every((word, j) => word === words[j]));
      if (exact !== undefined) command = exact;
      else if (!isGroup(words)) throw usageError(`unknown command "${words.join(" ")}" (cyxwiz --help lists the commands)`);
      continue;
    }
    positionals.push(token);
  }
  if (command !== undefined && !help) {
    const required = command.positionals.filter((p) => p.optional !== true);
    const usage = `see cyxwiz ${command.path.join(" ")} --help`;
    if (positionals.length < required.length) {
      throw usageError(
        `missing ${required
          .slice(positionals.length)
          .map((p) => `<${p.name}>`)
          .join(" ")} (${usage})`,
      );
    }
    if (positionals.length > command.positionals.length) {
      throw usageError(`unexpected argument ${JSON.stringify(positionals[command.positionals.length])} (${usage})`);
    }
  }
  return { command: command?.path ?? words, positionals, flags, help };
}

/** The help text of a command. */
export function commandHelp(
  shape: CommandShape & { readonly summary: string; readonly description?: string },
  globals: readonly FlagSpec[],
  footer: string,
): string {
  const args = shape.positionals.map((p) => (p.optional === true ? `[${p.name}]` : `<${p.name}>`)).join(" ");
  const lines = [
    `usage: cyxwiz ${shape.path.join(" ")}${shape.flags.length > 0 ? " [flags]" : ""}${args === "" ? "" : ` ${args}`}`,
    "",
    shape.summary,
  ];
  if (shape.description !== undefined) lines.push("", shape.description);
  if (shape.positionals.length > 0) {
    lines.push("", "Arguments:");
    for (const p of shape.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.help}`);
  }
  const flagLines = (specs: readonly FlagSpec[]): string[] =>
    specs.map((spec) => {
      const name = `${spec.alias === undefined ? "" : `-${spec.alias}, `}--${spec.name}${spec.type === "boolean" ? "" : ` ${spec.value ?? spec.type.toUpperCase()}`}`;
      return `  ${name.padEnd(24)} ${spec.help}`;
    });
  if (shape.flags.length > 0) lines.push("", "Flags:", ...flagLines(shape.flags));
  lines.push("", "Global flags:", ...flagLines(globals), "", footer);
  return lines.join("\n");
}
