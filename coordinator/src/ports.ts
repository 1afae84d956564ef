/**
 * The ports: what the flows (flows/) and the loops (loops/) need from the outside
 * world, as interfaces. This module sits below both and below http/; the chain side
 * implements the escrow verifier and the escrow actions (wiring/ adapts chain/ to
 * them), proofs/ the proof check; tests inject fakes. Nothing here knows about Solana
 * types: addresses are base58 strings, amounts bigint base units, job ids 64
 * lowercase hex characters.
 */
import type { ProofVerdict } from "./domain/proof-verdict";
import type { ProofSubject } from "./proofs/verifier";

/** Unix ms. Injected so tests can move time; production passes Date.now. */
export type Clock = () => number;

/** A submission's escrow, as the client names it. */
export interface EscrowCheck {
  /** The escrow account, base58. */
  readonly escrow: string;
  /** The wallet that signed the submission: the escrow's payer must be this. */
  readonly payer: string;
  /** The job id the escrow must be for, 64 lowercase hex. */
  readonly jobId: string;
  /** The quoted price: the escrow must hold at least this, base units. */
  readonly minAmount: bigint;
  /** Seconds the escrow must still live by the chain clock. */
  readonly minRemainingSecs: number;
}

/** What the chain says about an escrow that passed every check. */
export interface VerifiedEscrow {
  /** What the escrow holds, base units. */
  readonly amount: bigint;
  /** The fee recorded in the escrow at creation, basis points. */
  readonly feeBps: number;
  /** Unix seconds by the chain clock. */
  readonly expiresAt: number;
}

export type EscrowVerdict =
  | { readonly ok: true; readonly escrow: VerifiedEscrow }
  | {
      readonly ok: false;
      /** Stable code, e.g. ESCROW_NOT_FOUND, ESCROW_WRONG_PAYER, ESCROW_UNDERFUNDED, ESCROW_NOT_CREATED. */
      readonly code: string;
      /** What is wrong and how the client fixes it, one sentence. */
      readonly reason: string;
    };

export interface EscrowVerifier {
  /**
   * Whether the escrow is one the coordinator may match the job against: JobEscrow's
   * account of (payer, jobId), accepted mint, amount ≥ minAmount, status Created,
   * enough lifetime. Rejections are verdicts; a throw means the chain could not be
   * asked (the API answers 503).
   */
  verify(check: EscrowCheck): Promise<EscrowVerdict>;
}

/** The escrow of one job, enough for an escrow action to find and check it. */
export interface EscrowRef {
  readonly jobId: string;
  readonly escrow: string;
  readonly payer: string;
}

/**
 * The money actions the flows ask for. Each is idempotent (asking again
 * for an action already done resolves) and exactly-once on chain; that is the chain
 * side's promise. A rejection leaves the caller's record as it was, to ask again.
 *
 * Lock and unlock are awaited until confirmed: the caller's next step (publishing an
 * offer, requeueing the job) must not happen before the chain shows them. Payouts
 * (refund, release, settlePartial) resolve once their intent is durably recorded:
 * from then on the chain side owns them (re-sends, recovers after a crash) and its
 * confirmation moves the job to its final state in the same Redis transaction.
 */
export interface EscrowActions {
  /** Created → Locked to `nodeWallet`; resolves once confirmed. */
  lock(ref: EscrowRef, nodeWallet: string): Promise<void>;
  /** Locked → Created (the node was lost or let its offer expire); resolves once the escrow is Created. */
  unlock(ref: EscrowRef): Promise<void>;
  /** Everything back to the payer; resolves once the intent is durably recorded. */
  refund(ref: EscrowRef): Promise<void>;
  /**
   * Locked → Released: the node is paid amount − fee, the treasury the fee, against
   * `proofHash` (64 lowercase hex); resolves once the intent is durably recorded.
   */
  release(ref: EscrowRef, proofHash: string): Promise<void>;
  /**
   * Timeout: the node is paid `nodeShareBps` of the amount (less the fee on it), the
   * rest goes back to the payer; resolves once the intent is durably recorded.
   */
  settlePartial(ref: EscrowRef, nodeShareBps: number, proofHash: string): Promise<void>;
}

/** The check of a reported proof (proofs/verifier.ts's ProofVerifier; tests may substitute). */
export interface ProofChecker {
  verify(subject: ProofSubject, attempt: number): Promise<ProofVerdict>;
}
