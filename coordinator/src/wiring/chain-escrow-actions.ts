/**
 * The EscrowActions port (ports.ts) on the chain side's EscrowActionRunner.
 *
 * Lock and unlock are awaited to confirmation (the dispatcher publishes an offer only
 * after its lock; the watchdog requeues a job only after its unlock). Payouts are
 * handed over: the call returns as soon as the chain side has durably recorded the
 * intent (its signed transaction is in Redis, under `intent:<jobId>`): the runner
 * says so when it opens the intent, or finds it opened (by another caller or
 * process), so nothing is polled. The confirmation, which can take up to a blockhash
 * lifetime, continues in the background; the `onSettled` hook then moves the job in the same Redis script. So a
 * refund never holds up the lease watchdog, and a crash after the hand-over loses
 * nothing: `recover()` follows the recorded intent at the next start.
 */
import { PublicKey } from "@solana/web3.js";

import {
  type ActionInFlight,
  allowedIn,
  type EscrowActionRunner,
  type EscrowTarget,
  SettlementError,
  SettlementFailedError,
  type SettlementOutcome,
  type SettlementRequest,
} from "../chain";
import type { Logger } from "../logger";
import type { EscrowActions, EscrowRef } from "../ports";

export interface ChainEscrowActionsDeps {
  /** The chain side's runner (built with the job-settled `onSettled` hook). */
  readonly runner: EscrowActionRunner;
  readonly log: Logger;
}

type Result = { readonly ok: true; readonly outcome: SettlementOutcome } | { readonly ok: false; readonly error: unknown };

const PROOF_HASH_RE = /^[0-9a-f]{64}$/;

function targetOf(ref: EscrowRef): EscrowTarget {
  return { jobId: ref.jobId, escrow: new PublicKey(ref.escrow) };
}

function proofHashOf(jobId: string, hex: string): Uint8Array {
  if (!PROOF_HASH_RE.test(hex)) {
    throw new SettlementError(
      "INVALID_REQUEST",
      `proof hash for job ${jobId} must be 64 lowercase hex characters, got ${JSON.stringify(hex)}`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function settle(promise: Promise<SettlementOutcome>): Promise<Result> {
  return promise.then(
    (outcome) => ({ ok: true, outcome }),
    (error: unknown) => ({ ok: false, error }),
  );
}

export class ChainEscrowActions implements EscrowActions {
  private readonly chain: EscrowActionRunner;

  constructor(private readonly deps: ChainEscrowActionsDeps) {
    this.chain = deps.runner;
  }

  async lock(ref: EscrowRef, nodeWallet: string): Promise<void> {
    await this.chain.lock(targetOf(ref), new PublicKey(nodeWallet));
  }

  async unlock(ref: EscrowRef): Promise<void> {
    try {
      await this.chain.unlock(targetOf(ref));
    } catch (error) {
      // The port's promise is "the escrow is Created again". When it already is (the
      // lock of a reserved offer never landed, or the unlock was done before a crash),
      // the chain side records the unlock failed without sending anything: that is
      // success here. Only a failure recorded with no intent in flight gets this far,
      // so no lock of ours can still land afterwards.
      if (error instanceof SettlementFailedError && (await this.statusOf(ref)) === "Created") {
        this.deps.log.info("escrow already Created; nothing to unlock", { jobId: ref.jobId, escrow: ref.escrow });
        return;
      }
      throw error;
    }
  }

  refund(ref: EscrowRef): Promise<void> {
    return this.handOver(ref, { action: "refund" });
  }

  async release(ref: EscrowRef, proofHash: string): Promise<void> {
    return this.handOver(ref, { action: "release", proofHash: proofHashOf(ref.jobId, proofHash) });
  }

  async settlePartial(ref: EscrowRef, nodeShareBps: number, proofHash: string): Promise<void> {
    return this.handOver(ref, { action: "settle-partial", nodeShareBps, proofHash: proofHashOf(ref.jobId, proofHash) });
  }

  /**
   * Starts a payout and resolves once its intent is recorded (or it finished first).
   * Errors before that reach the caller, who asks again; afterwards they are logged,
   * since the caller has moved on and the intent is recover()'s.
   */
  private async handOver(ref: EscrowRef, request: SettlementRequest): Promise<void> {
    const inFlight: ActionInFlight = this.chain.begin(targetOf(ref), request);
    const result = settle(inFlight.outcome);
    const first = await Promise.race([result, inFlight.recorded.then(() => "recorded" as const)]);
    if (first === "recorded") {
      void result.then((late) => this.logLate(ref, request.action, late));
      return;
    }
    if (first.ok) return;
    if (await this.hopeless(ref, request.action, first.error)) return;
    throw first.error;
  }

  /**
   * A payout the chain refused and that the escrow's status can never allow again
   * (Expired after the payer reclaimed, Released, Disputed, closed): the failure is
   * recorded in its intent; asking again every tick would change nothing.
   */
  private async hopeless(ref: EscrowRef, action: SettlementRequest["action"], error: unknown): Promise<boolean> {
    if (!(error instanceof SettlementFailedError)) return false;
    const status = await this.statusOf(ref);
    if (status !== null && allowedIn(action).includes(status)) return false;
    this.deps.log.error("payout impossible: the escrow no longer allows it; the job needs an operator", {
      jobId: ref.jobId,
      escrow: ref.escrow,
      action,
      escrowStatus: status,
      error: error.message,
    });
    return true;
  }

  private logLate(ref: EscrowRef, action: string, late: Result): void {
    if (late.ok) return; // the chain side logs every confirmation
    const { error } = late;
    if (error instanceof SettlementError && error.code === "SETTLEMENT_STOPPED") {
      this.deps.log.info("payout left pending at shutdown; recover() finishes it", { jobId: ref.jobId, action });
    } else {
      this.deps.log.error("payout failed after it was handed over", { jobId: ref.jobId, escrow: ref.escrow, action, error });
    }
  }

  private async statusOf(ref: EscrowRef) {
    return (await this.chain.reconcileEscrow(ref.jobId, new PublicKey(ref.escrow))).status;
  }
}
