/** A command of the CLI: its shape (path, flags, arguments), its help and what it does. */
import { CommandShape } from "./args";
import { Context } from "./context";
import { ExitCode } from "./errors";

export interface Command extends CommandShape {
  readonly summary: string;
  readonly description?: string;
  /** Resolves with the exit code (0 when nothing is returned). */
  run(ctx: Context): Promise<ExitCode | void>;
}
