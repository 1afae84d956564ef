/**
 * Follows one money intent to its end (the loop of points 2–5 in settlement.ts):
 * send the persisted bytes, poll the signature and the block height, re-send the
 * same bytes while they can land, reconcile from the escrow once they cannot,
 * re-sign by compare-and-set, and record the outcome atomically with the caller's
 * writes. Any process may follow the same intent at the same time; the Lua
 * scripts make exactly one of them re-sign and exactly one record.
 */
import type { Connection, Signer } from "@solana/web3.js";

import type { Escrow, JobEscrowProgram } from "@cyxwiz/sdk";
import type { Logger } from "../logger";
import { fetchJobEscrow } from "./escrow-account";
import { SettlementError } from "./errors";
import { type Intent, outcomeOf, type SettlementOutcome } from "./intent";
import type { Completion, IntentStore, RedisWrite, SignedTransaction } from "./intent-store";
import { actionInstructions, allowedIn, INSTRUCTION_OF, isReflected, type SettlementRequest } from "./settlement-actions";
import { checkLanding, type SendTransaction, signTransaction } from "./transaction";

export interface SettlementTiming {
  /** Between status checks of an in-flight transaction (about a slot). */
  pollMs: number;
  /** Between sends of the same bytes while they can still land. */
  resendMs: number;
  /** After an RPC or Redis error, before the next try. */
  retryMs: number;
}

export const DEFAULT_SETTLEMENT_TIMING: SettlementTiming = { pollMs: 400, resendMs: 2_000, retryMs: 1_000 };

export interface DriverContext {
  store: IntentStore;
  connection: Connection;
  program: JobEscrowProgram;
  coordinator: Signer;
  log: Logger;
  timing: SettlementTiming;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  send: SendTransaction;
  onSettled?: (outcome: SettlementOutcome) => readonly RedisWrite[] | Promise<readonly RedisWrite[]>;
  isStopped: () => boolean;
}

type Step = { kind: "done"; outcome: SettlementOutcome } | { kind: "next"; intent: Intent } | { kind: "wait" };

export class IntentDriver {
  constructor(private readonly ctx: DriverContext) {}

  /** Follows `first` until it is finished: send, poll, re-send, reconcile, re-sign, record. */
  async drive(first: Intent): Promise<SettlementOutcome> {
    let intent = first;
    let lastSentAt = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (this.ctx.isStopped()) {
        throw new SettlementError(
          "SETTLEMENT_STOPPED",
          `settlement closed with ${intent.action} of job ${intent.jobId} in flight; recover() will finish it`,
        );
      }
      let step: Step;
      try {
        if (intent.tx !== "" && this.ctx.now() - lastSentAt >= this.ctx.timing.resendMs) {
          lastSentAt = this.ctx.now();
          await this.sendQuietly(intent);
        }
        step = await this.advance(intent);
      } catch (error) {
        if (error instanceof SettlementError) throw error;
        // RPC or Redis trouble: the intent is safe in Redis; try again.
        this.ctx.log.warn("money intent step failed; retrying", { ...logFields(intent), error });
        await this.ctx.sleep(this.ctx.timing.retryMs);
        continue;
      }
      if (step.kind === "done") return step.outcome;
      if (step.kind === "next") {
        intent = step.intent;
        lastSentAt = Number.NEGATIVE_INFINITY;
        continue;
      }
      await this.ctx.sleep(this.ctx.timing.pollMs);
    }
  }

  private async sendQuietly(intent: Intent): Promise<void> {
    try {
      await this.ctx.send(Buffer.from(intent.tx, "base64"));
    } catch (error) {
      // A failed send is a dropped send: the loop re-sends or the blockhash expires.
      this.ctx.log.warn("sending a money transaction failed", { ...logFields(intent), error });
    }
  }

  private async advance(intent: Intent): Promise<Step> {
    // An intent without a transaction (never signed) is as good as expired: nothing can land.
    const landing =
      intent.tx === ""
        ? ({ kind: "expired" } as const)
        : await checkLanding(this.ctx.connection, intent.signature, intent.lastValidBlockHeight);
    switch (landing.kind) {
      case "pending":
        return { kind: "wait" };
      case "landed":
        return this.done(intent, {
          state: "confirmed",
          via: "transaction",
          landedSignature: intent.signature,
          error: null,
          detail: null,
        });
      case "failed": {
        const escrow = await fetchJobEscrow(this.ctx.connection, this.ctx.program, intent.escrow);
        const doneBefore =
          landing.programError === "InvalidStatus" && escrow !== null && isReflected(escrow, intent.request, intent.escrowAttempt);
        return this.done(intent, {
          state: doneBefore ? "confirmed" : "failed",
          via: doneBefore ? "chain-state" : "transaction",
          landedSignature: intent.signature,
          error: landing.programError,
          detail: doneBefore
            ? "the escrow already showed this action when the transaction landed"
            : `escrow ${escrow === null ? "gone" : `is ${escrow.status}`}`,
        });
      }
      case "expired":
        return this.afterExpiry(intent);
    }
  }

  private async afterExpiry(intent: Intent): Promise<Step> {
    // Another process may have re-signed or finished this intent meanwhile: follow the record,
    // so the outcome names the transaction that landed rather than only the escrow's state.
    const current = await this.ctx.store.read(intent.jobId);
    if (current === null || current.seq !== intent.seq || current.state !== "pending") {
      return { kind: "done", outcome: await this.recorded(intent) };
    }
    if (current.attempts !== intent.attempts) return { kind: "next", intent: current };
    const escrow = await fetchJobEscrow(this.ctx.connection, this.ctx.program, intent.escrow);
    if (escrow === null) {
      return this.done(intent, { ...chainState("failed", "the escrow account is gone (closed?)"), error: "EscrowNotFound" });
    }
    if (isReflected(escrow, intent.request, intent.escrowAttempt)) {
      return this.done(intent, chainState("confirmed", `the escrow already shows it (${escrow.status})`));
    }
    if (!allowedIn(intent.action).includes(escrow.status)) {
      return this.done(intent, {
        ...chainState("failed", `the escrow is ${escrow.status}; nothing more was sent`),
        error: "InvalidStatus",
      });
    }
    const signed = await this.sign(escrow, intent.request);
    const swap = await this.ctx.store.replaceTransaction(intent, signed, this.ctx.now());
    if (swap.replaced && swap.current !== null) {
      this.ctx.log.warn("money transaction expired unlanded; re-signed", {
        ...logFields(swap.current),
        expired: intent.signature || null,
      });
      return { kind: "next", intent: swap.current };
    }
    // Another process re-signed or finished it first: follow its record.
    if (swap.current !== null && swap.current.seq === intent.seq && swap.current.state === "pending") {
      return { kind: "next", intent: swap.current };
    }
    return { kind: "done", outcome: await this.recorded(intent) };
  }

  private async done(intent: Intent, completion: Completion): Promise<Step> {
    return { kind: "done", outcome: await this.finish(intent, completion) };
  }

  /** Records `completion` (with the caller's writes); when another process recorded first, theirs. */
  async finish(intent: Intent, completion: Completion): Promise<SettlementOutcome> {
    const outcome: SettlementOutcome = {
      jobId: intent.jobId,
      seq: intent.seq,
      action: intent.action,
      state: completion.state,
      via: completion.via,
      signature: completion.landedSignature,
      signatures: intent.signatures,
      attempts: intent.attempts,
      error: completion.error,
      detail: completion.detail,
    };
    const writes = this.ctx.onSettled === undefined ? [] : await this.ctx.onSettled(outcome);
    if (!(await this.ctx.store.complete(intent, completion, writes, this.ctx.now()))) {
      // Another process recorded this intent's outcome first; theirs is the outcome.
      return this.recorded(intent);
    }
    const fields = { ...logFields(intent), via: completion.via, error: completion.error };
    if (completion.state === "confirmed") this.ctx.log.info("money intent confirmed", fields);
    else this.ctx.log.error("money intent failed", fields);
    return outcome;
  }

  private async recorded(intent: Intent): Promise<SettlementOutcome> {
    const done = await this.ctx.store.readDone(intent.jobId, intent.seq);
    if (done === null || done.state === "pending") {
      throw new SettlementError("INTENT_CORRUPT", `intent ${intent.jobId}#${intent.seq} left pending without a record`);
    }
    return outcomeOf(done);
  }

  async sign(escrow: Escrow, request: SettlementRequest): Promise<SignedTransaction> {
    const instructions = await actionInstructions(this.ctx.program, this.ctx.coordinator.publicKey, escrow, request);
    return signTransaction(this.ctx.connection, this.ctx.coordinator, instructions);
  }
}

/** A completion decided by the escrow's state alone (no transaction of ours landed). */
export function chainState(state: Completion["state"], detail: string): Completion {
  return { state, via: "chain-state", landedSignature: null, error: null, detail };
}

export function logFields(intent: Intent): Record<string, unknown> {
  return {
    jobId: intent.jobId,
    seq: intent.seq,
    action: intent.action,
    instruction: INSTRUCTION_OF[intent.action],
    attempt: intent.attempts,
    signature: intent.signature || null,
  };
}
