#!/usr/bin/env node
/**
 * `cyxwiz`: the marketplace from a terminal. One entry point:
 *
 *   scripts/cyxwiz <command> [flags]      (or npx cyxwiz, npm run cyxwiz --)
 *
 * Errors are one line on stderr (with --json: {"error": {code, message}} on stdout)
 * and an exit code: 0 ok, 1 user error, 2 usage, 3 service unreachable, 4 job failed.
 */
import { commandHelp, parseArgs } from "./args";
import type { Command } from "./command";
import { cancelCommand, downloadCommand, escrowCommand, quoteCommand, statusCommand, submitCommand } from "./commands/client";
import { datasetCommand, fundCommand, keygenCommand } from "./commands/dev";
import { nodeEarningsCommand, nodeStartCommand, nodeStatusCommand } from "./commands/node";
import { Context } from "./context";
import { type CliError, EXIT, EXIT_CODES_HELP, toCliError } from "./errors";
import { Output } from "./output";
import { GLOBAL_FLAGS, resolveSettings } from "./settings";

export const COMMANDS: readonly Command[] = [
  quoteCommand,
  submitCommand,
  statusCommand,
  cancelCommand,
  downloadCommand,
  escrowCommand,
  nodeStartCommand,
  nodeStatusCommand,
  nodeEarningsCommand,
  fundCommand,
  datasetCommand,
  keygenCommand,
];

const FOOTER = `${EXIT_CODES_HELP}

Settings: flag, else environment, else ~/.config/cyxwiz/config.json ({"coordinator", "rpc", "ipfs", "keypair"}), else the local default.`;

function overview(prefix: readonly string[]): string {
  const listed = COMMANDS.filter((c) => prefix.every((word, i) => c.path[i] === word));
  const width = Math.max(...listed.map((c) => c.path.join(" ").length)) + 2;
  return [
    `usage: cyxwiz ${prefix.length === 0 ? "<command>" : `${prefix.join(" ")} <command>`} [flags]   (cyxwiz <command> --help for its flags)`,
    "",
    "CyxWiz: pay GPU owners to train models, the money held in a Solana escrow until the proof is verified.",
    "",
    "Commands:",
    ...listed.map((c) => `  ${c.path.join(" ").padEnd(width)} ${c.summary}`),
    "",
    "Global flags:",
    ...GLOBAL_FLAGS.map((f) => `${`  --${f.name}${f.type === "boolean" ? "" : ` ${f.value}`}`.padEnd(24)} ${f.help}`),
    "",
    FOOTER,
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const out = new Output(json);
  try {
    const parsed = parseArgs(argv, COMMANDS, GLOBAL_FLAGS);
    const command = COMMANDS.find((c) => c.path.join(" ") === parsed.command.join(" "));
    if (command === undefined) {
      process.stdout.write(`${overview(parsed.command)}\n`);
      return parsed.help || parsed.command.length === 0 ? EXIT.ok : EXIT.usage;
    }
    if (parsed.help) {
      process.stdout.write(`${commandHelp(command, GLOBAL_FLAGS, FOOTER)}\n`);
      return EXIT.ok;
    }
    const ctx = new Context(resolveSettings(parsed.flags), parsed.flags, parsed.positionals, out);
    return (await command.run(ctx)) ?? EXIT.ok;
  } catch (error) {
    out.stopStatus();
    const cli: CliError = toCliError(error);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: cli.code, message: cli.message, exitCode: cli.exitCode, ...cli.details } })}\n`,
      );
    else process.stderr.write(`error: ${cli.message}\n`);
    if (process.env.CYXWIZ_DEBUG === "1") process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    return cli.exitCode;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Open sockets (RPC, kubo keep-alive) must not keep a finished command alive;
      // exit once what was written to a pipe has drained.
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
    },
    (error: unknown) => {
      process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
      process.exit(EXIT.user);
    },
  );
}
