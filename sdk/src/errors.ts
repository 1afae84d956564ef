/**
 * Program errors, decoded. A failed JobEscrow transaction reaches the client in
 * several shapes (a preflight `SendTransactionError` with logs, a landed
 * transaction's `{ InstructionError: [i, { Custom: n }] }`, or just a message with
 * `custom program error: 0x..`); all of them become one `EscrowProgramError`
 * carrying the Rust name (`Unauthorized`, `ConstraintSeeds`, ...).
 */
import { AnchorError, LangErrorCode, LangErrorMessage } from "@coral-xyz/anchor";
import { SendTransactionError, type TransactionError } from "@solana/web3.js";

import { IDL } from "./idl/job_escrow";
import { JOB_ESCROW_PROGRAM_ID } from "./program";

/** Where an error code is defined: JobEscrow's `errors.rs` or Anchor's own `ErrorCode`. */
export type ErrorOrigin = "JobEscrow" | "Anchor";

export interface ErrorDefinition {
  name: string;
  code: number;
  message: string;
  origin: ErrorOrigin;
}

export class EscrowProgramError extends Error {
  readonly code: number;
  readonly origin: ErrorOrigin;
  readonly logs: string[];

  constructor(definition: ErrorDefinition, logs: string[] = []) {
    super(definition.message);
    this.name = definition.name;
    this.code = definition.code;
    this.origin = definition.origin;
    this.logs = logs;
  }
}

/** A transaction landed with an error that is not a JobEscrow or Anchor error code. */
export class TransactionFailedError extends Error {
  constructor(
    readonly signature: string,
    readonly transactionError: TransactionError,
    readonly logs: string[] = [],
  ) {
    super(`transaction ${signature} failed: ${JSON.stringify(transactionError)}`);
    this.name = "TransactionFailedError";
  }
}

const DEFINITIONS: ReadonlyMap<number, ErrorDefinition> = (() => {
  const byCode = new Map<number, ErrorDefinition>();
  for (const [name, code] of Object.entries(LangErrorCode)) {
    byCode.set(code, { name, code, message: LangErrorMessage.get(code) ?? name, origin: "Anchor" });
  }
  for (const error of IDL.errors ?? []) {
    byCode.set(error.code, {
      name: error.name,
      code: error.code,
      message: error.msg ?? error.name,
      origin: "JobEscrow",
    });
  }
  return byCode;
})();

/** The JobEscrow or Anchor error with this code, if any. */
export function errorDefinition(code: number): ErrorDefinition | undefined {
  return DEFINITIONS.get(code);
}

/** The code of a JobEscrow error by its Rust name, e.g. `errorCode("Unauthorized") === 6000`. */
export function errorCode(name: string): number {
  for (const definition of DEFINITIONS.values()) {
    if (definition.name === name) return definition.code;
  }
  throw new Error(`no JobEscrow or Anchor error named ${name}`);
}

const PROGRAM_FAILED_RE = /^Program (\w+) failed: custom program error: 0x([0-9a-f]+)$/i;
const CUSTOM_ERROR_RE = /custom program error: 0x([0-9a-f]+)/i;

function logsOf(error: unknown): string[] {
  if (error instanceof SendTransactionError) return error.logs ?? [];
  if (typeof error === "object" && error !== null && "logs" in error) {
    const logs = (error as { logs: unknown }).logs;
    if (Array.isArray(logs) && logs.every((line) => typeof line === "string")) return logs;
  }
  return [];
}

/** `{ InstructionError: [index, { Custom: code }] }` → code. */
export function customCodeOf(transactionError: unknown): number | undefined {
  if (typeof transactionError !== "object" || transactionError === null) return undefined;
  const instructionError = (transactionError as { InstructionError?: unknown }).InstructionError;
  if (!Array.isArray(instructionError) || instructionError.length !== 2) return undefined;
  const detail: unknown = instructionError[1];
  if (typeof detail !== "object" || detail === null) return undefined;
  const custom = (detail as { Custom?: unknown }).Custom;
  return typeof custom === "number" ? custom : undefined;
}

/**
 * Anchor's own parse of its error log. It throws on logs it does not expect (a
 * validator truncates long logs; a `Left:`/`Right:` pair may lack its values), and
 * a decoding helper must not replace the real failure with a TypeError.
 */
function parseAnchorError(logs: string[]): AnchorError | null {
  try {
    return AnchorError.parse(logs);
  } catch {
    return null;
  }
}

function fromLogs(logs: string[]): EscrowProgramError | undefined {
  // Anchor logs the failing error by name; trust it first.
  const anchorError = parseAnchorError(logs);
  const failing = anchorError?.programErrorStack.at(-1);
  if (anchorError !== null && (failing === undefined || failing.equals(JOB_ESCROW_PROGRAM_ID))) {
    const code = anchorError.error.errorCode.number;
    const known = DEFINITIONS.get(code);
    return new EscrowProgramError(
      {
        name: anchorError.error.errorCode.code,
        code,
        message: anchorError.error.errorMessage,
        origin: known?.origin ?? (code >= 6000 ? "JobEscrow" : "Anchor"),
      },
      logs,
    );
  }
  for (const line of logs) {
    const match = PROGRAM_FAILED_RE.exec(line);
    // A custom code from another program (SPL Token's 0x1 is "insufficient funds") is not ours.
    if (match === null || match[1] !== JOB_ESCROW_PROGRAM_ID.toBase58()) continue;
    const known = DEFINITIONS.get(parseInt(match[2], 16));
    if (known !== undefined) return new EscrowProgramError(known, logs);
  }
  return undefined;
}

/**
 * The JobEscrow/Anchor error inside `error` (an exception from sending, a
 * transaction error object, or a message), or undefined when it is something else
 * (network, blockhash, a system or token program error).
 */
export function decodeProgramError(error: unknown): EscrowProgramError | undefined {
  if (error instanceof EscrowProgramError) return error;
  const logs = logsOf(error);
  const decoded = fromLogs(logs);
  if (decoded !== undefined) return decoded;

  const code = customCodeOf(error) ?? customCodeOf((error as { transactionError?: unknown } | null)?.transactionError);
  if (code !== undefined) {
    const known = DEFINITIONS.get(code);
    return known === undefined ? undefined : new EscrowProgramError(known, logs);
  }
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  const match = CUSTOM_ERROR_RE.exec(message);
  if (match === null) return undefined;
  const known = DEFINITIONS.get(parseInt(match[1], 16));
  return known === undefined ? undefined : new EscrowProgramError(known, logs);
}
