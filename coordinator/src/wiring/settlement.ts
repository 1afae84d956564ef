/**
 * The HTTP layer's Settlement port on the chain side's exactly-once Settlement.
 *
 * Lock and unlock are awaited to confirmation (the dispatcher publishes an offer only
 * after its lock; the watchdog requeues a job only after its unlock). Payouts are
 * handed over: the call returns as soon as the chain side has durably recorded the
 * intent (its signed transaction is in Redis, under `intent:<jobId>`), and the
 * confirmation, which can take up to a blockhash lifetime, continues in the
 * background; the `onSettled` hook then moves the job in the same Redis script. So a
 * refund never holds up the lease watchdog, and a crash after the hand-over loses
 * nothing: `recover()` follows the recorded intent at the next start.
 */
import { PublicKey } from "@solana/web3.js";

import {
  allowedIn,
  encodeRequest,
  EscrowTarget,
  IntentStore,
  Settlement as ChainSettlementCore,
  SettlementError,
  SettlementFailedError,
  SettlementOutcome,
  SettlementRequest,
} from "../chain";
import { EscrowRef, Settlement } from "../http/ports";
import { Logger } from "../logger";

export interface ChainSettlementDeps {
  /** The chain side's Settlement (built with the job-settled `onSettled` hook). */
  readonly settlement: ChainSettlementCore;
  /** The same Redis and prefix as `settlement`: where a hand-over looks for its intent. */
  readonly intents: IntentStore;
  readonly log: Logger;
  /** Between looks for a payout's recorded intent; a few Redis reads per hand-over. */
  readonly recordPollMs?: number;
}

type Result = { readonly ok: true; readonly outcome: SettlementOutcome } | { readonly ok: false; readonly error: unknown };

const PROOF_HASH_RE = /^[0-9a-f]{64}$/;

function targetOf(ref: EscrowRef): EscrowTarget {
  return { jobId: ref.jobId, escrow: new PublicKey(ref.escrow) };
}

function proofHashOf(jobId: string, hex: string): Uint8Array {
  if (!PROOF_HASH_RE.test(hex)) {
    throw new SettlementError("INVALID_REQUEST", `proof hash for job ${jobId} must be 64 lowercase hex characters, got ${JSON.stringify(hex)}`);
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function settle(promise: Promise<SettlementOutcome>): Promise<Result> {
  return promise.then(
    (outcome) => ({ ok: true, outcome }),
    (error: unknown) => ({ ok: false, error }),
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChainSettlement implements Settlement {
  private readonly chain: ChainSettlementCore;
  private readonly pollMs: number;

  constructor(private readonly deps: ChainSettlementDeps) {
    this.chain = deps.settlement;
    this.pollMs = deps.recordPollMs ?? 25;
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
    return this.handOver(ref, { action: "refund" }, (target) => this.chain.refund(target));
  }

  async release(ref: EscrowRef, proofHash: string): Promise<void> {
    const hash = proofHashOf(ref.jobId, proofHash);
    return this.handOver(ref, { action: "release", proofHash: hash }, (target) => this.chain.release(target, hash));
  }

  async settlePartial(ref: EscrowRef, nodeShareBps: number, proofHash: string): Promise<void> {
    const hash = proofHashOf(ref.jobId, proofHash);
    return this.handOver(ref, { action: "settle-partial", nodeShareBps, proofHash: hash }, (target) =>
      this.chain.settlePartial(target, nodeShareBps, hash),
    );
  }

  /**
   * Starts a payout and resolves once its intent is recorded (or it finished first).
   * Errors before that reach the caller, who asks again; afterwards they are logged,
   * since the caller has moved on and the intent is recover()'s.
   */
  private async handOver(
    ref: EscrowRef,
    request: SettlementRequest,
    perform: (target: EscrowTarget) => Promise<SettlementOutcome>,
  ): Promise<void> {
    const target = targetOf(ref);
    const args = encodeRequest(target.escrow, request);
    const result = settle(perform(target));
    const first = await Promise.race([result, this.recorded(ref.jobId, request.action, args, result)]);
    if (first === "recorded") {
      void result.then((late) => this.logLate(ref, request.action, late));
      return;
    }
    if (first.ok) return;
    if (await this.hopeless(ref, request.action, first.error)) return;
    throw first.error;
  }

  /**
   * Resolves "recorded" once `intent:<jobId>` holds this very request, pending or
   * confirmed; or with `result` when the action ends first (failed intents do not
   * count: they are the caller's to see).
   */
  private async recorded(jobId: string, action: string, args: string, result: Promise<Result>): Promise<"recorded" | Result> {
    let over = false;
    void result.then(() => {
      over = true;
    });
    while (!over) {
      const intent = await this.deps.intents.read(jobId);
      if (intent !== null && intent.action === action && intent.args === args && intent.state !== "failed") return "recorded";
      await sleep(this.pollMs);
    }
    return result;
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
