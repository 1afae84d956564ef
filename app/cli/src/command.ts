/** A command of the CLI: its shape (path, flags, arguments), its help and what it does. */
import type { CommandShape } from "./args";
import type { Context } from "./context";
import type { ExitCode } from "./errors";

export interface Command extends CommandShape {
  readonly summary: string;
  readonly description?: string;
  /** Resolves with the exit code (0 when nothing is returned). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that ends normally returns nothing, so its body's type is Promise<void>.
  run(ctx: Context): Promise<ExitCode | void>;
}
