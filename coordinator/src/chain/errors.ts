/**
 * Errors of the coordinator's chain side. Codes are stable (the API returns them,
 * tests match on them); `reason`/messages are sentences for people that name the fix.
 */
import { CoordinatorError } from "../domain/errors";

export type EscrowRejectionCode =
  | "ESCROW_NOT_FOUND"
  | "ESCROW_WRONG_PROGRAM"
  | "ESCROW_NOT_JOB_ESCROW"
  | "ESCROW_WRONG_PAYER"
  | "ESCROW_NOT_FOR_JOB"
  | "ESCROW_WRONG_MINT"
  | "ESCROW_UNDERFUNDED"
  | "ESCROW_NOT_CREATED"
  | "ESCROW_EXPIRES_TOO_SOON";

/** A submission's escrow is not one the coordinator may match a job against. */
export class EscrowRejection extends CoordinatorError<EscrowRejectionCode> {
  constructor(
    code: EscrowRejectionCode,
    /** What is wrong and how the client fixes it, as one sentence. */
    readonly reason: string,
  ) {
    super(code, reason);
  }
}

export type SettlementErrorCode =
  /** The request itself is malformed (share out of range, zero proof hash, empty job id). */
  | "INVALID_REQUEST"
  /** Another money action is open for the job; one at a time. */
  | "INTENT_CONFLICT"
  /** The action's transaction landed and failed, and the chain does not show the action done. */
  | "SETTLEMENT_FAILED"
  /** The escrow account does not exist (never created, or closed). */
  | "ESCROW_NOT_FOUND"
  /** The runner (EscrowActionRunner) was closed while the action was in flight; its intent stays pending for recover(). */
  | "SETTLEMENT_STOPPED"
  /** A Redis record that should hold an intent is missing or malformed. */
  | "INTENT_CORRUPT";

export class SettlementError extends CoordinatorError<SettlementErrorCode> {}

/** The outcome recorded for a failed action, thrown to the caller that asked for it. */
export class SettlementFailedError extends SettlementError {
  constructor(
    readonly jobId: string,
    readonly action: string,
    /** The decoded program error name (e.g. `InvalidStatus`), or the raw transaction error. */
    readonly programError: string,
    readonly signature: string | null,
  ) {
    super(
      "SETTLEMENT_FAILED",
      `${action} for job ${jobId} failed on chain with ${programError}` +
        (signature === null ? "" : ` (transaction ${signature})`) +
        ": reconcile the job from the chain (reconcileEscrow) before choosing its next money action.",
    );
  }
}
