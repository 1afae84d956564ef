/**
 * The CLI's errors and exit codes. Every failure a user can cause or meet is a
 * `CliError`: a stable `code`, one message that says what was wrong and how to fix
 * it, and the exit code (never a stack trace).
 *
 *   0 ok · 1 user error · 2 usage · 3 service unreachable · 4 job failed / refunded
 */
import { KeypairFileError, TransactionFailedError, decodeProgramError } from "@cyxwiz/sdk";
import { CoordinatorClientError, CoordinatorHttpError, CoordinatorProtocolError, CoordinatorUnreachableError } from "@cyxwiz/lib";

export const EXIT = { ok: 0, user: 1, usage: 2, unreachable: 3, jobFailed: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  user error (bad key file, unknown job, not enough tokens, refused request)
  2  usage (unknown command or flag, missing or malformed argument)
  3  a service is unreachable (coordinator, Solana RPC, IPFS)
  4  the job failed: refunded, settled partially or cancelled`;

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string): CliError {
  return new CliError(EXIT.usage, "USAGE", message);
}

export function userError(code: string, message: string, details?: Record<string, unknown>): CliError {
  return new CliError(EXIT.user, code, message, details);
}

export function unreachableError(code: string, message: string): CliError {
  return new CliError(EXIT.unreachable, code, message);
}

/** fetch's failure of a connection (refused, reset, DNS, timeout), from any client. */
export function isConnectionFailure(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ""} ${String((error as { cause?: { code?: string } })?.cause?.code ?? "")}`;
  return /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|UND_ERR/i.test(text);
}

/** Runs one call to the Solana RPC, turning a connection failure into exit 3 naming the URL and the flag. */
export async function viaRpc<T>(rpcUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConnectionFailure(error)) {
      throw unreachableError(
        "RPC_UNREACHABLE",
        `cannot reach the Solana RPC at ${rpcUrl}; start it (scripts/run.sh starts a localnet) or point --url / CYXWIZ_RPC_URL at a running one`,
      );
    }
    throw error;
  }
}

/** Any error → a CliError (unknown ones keep their message and exit 1). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CoordinatorUnreachableError) return new CliError(EXIT.unreachable, error.code, error.message);
  if (error instanceof CoordinatorHttpError) {
    const exit = error.status === 503 ? EXIT.unreachable : EXIT.user;
    const field = error.field === undefined ? "" : ` (field ${error.field})`;
    return new CliError(exit, error.code, `the coordinator refused: ${error.message}${field}`, { status: error.status });
  }
  if (error instanceof CoordinatorProtocolError || error instanceof CoordinatorClientError) {
    return new CliError(EXIT.user, error.code, error.message);
  }
  if (error instanceof KeypairFileError) {
    return userError(
      "KEYPAIR_INVALID",
      `${error.message}; create a new one with solana-keygen new -o ${error.path} or cyxwiz dev keygen --keypair ${error.path}`,
    );
  }
  const program = decodeProgramError(error);
  if (program !== undefined) return userError("ESCROW_PROGRAM_ERROR", `JobEscrow refused the transaction: ${program.message}`);
  if (error instanceof TransactionFailedError) return userError("TRANSACTION_FAILED", error.message);
  if (isConnectionFailure(error)) return new CliError(EXIT.unreachable, "UNREACHABLE", (error as Error).message);
  return new CliError(EXIT.user, "FAILED", (error as Error)?.message ?? String(error));
}
