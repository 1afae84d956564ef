/**
 * Settle: the payouts, handed to the EscrowActions port from their own queues, so a
 * crash between the decision and the hand-over loses nothing (the next round, or the
 * next process, hands it over) and asking twice is harmless:
 *
 *   releases      jobs:releasing → release_escrow, proof hash = the sha256 the
 *                 coordinator computed itself, only with a matching verified verdict
 *   refunds       jobs:refunding → refund_escrow (proof rejected, last node lost,
 *                 cancelled before running)
 *   partials      jobs:settling → settle_partial by verified progress (timed out,
 *                 cancelled while running)
 *
 * Each hand-over returns once the chain side holds the intent; its confirmation moves
 * the job to released / refunded / settled (wiring/job-settled.ts).
 */
import type { Logger } from "../logger";
import type { EscrowActions } from "../ports";
import type { Store } from "../store";
import { escrowRefOf } from "./context";
import { eachItem } from "./each-item";

/** What a hand-over needs: the store's parts `S` and the escrow actions `A`. */
export interface SettleDeps<
  S extends keyof Store = "jobs" | "verification" | "runs",
  A extends keyof EscrowActions = "release" | "refund" | "settlePartial",
> {
  readonly store: Pick<Store, S>;
  readonly escrowActions: Pick<EscrowActions, A>;
  readonly log: Logger;
}

export async function handOverReleases(deps: SettleDeps<"jobs" | "verification", "release">): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.verification.awaitingRelease(), "jobId", async (jobId) => {
    const job = await store.jobs.get(jobId);
    if (job === null || job.state.status !== "releasing") {
      // Released already (the confirmation removes it too) or gone: nothing to hand over.
      await store.verification.releaseHandedOver(jobId);
      return;
    }
    const verdict = job.verification;
    // The proof hash on chain is the sha256 the coordinator computed itself, and only that.
    if (verdict?.outcome !== "verified" || verdict.sha256 !== job.state.proof?.weightsSha256) {
      log.error("releasing job without a matching verified verdict; not released, needs an operator", { jobId, verdict });
      return;
    }
    await deps.escrowActions.release(escrowRefOf(job), verdict.sha256);
    await store.verification.releaseHandedOver(jobId);
    log.info("release handed over", { jobId, nodeId: job.state.nodeId, proofHash: verdict.sha256 });
  });
}

export async function handOverRefunds(deps: SettleDeps<"jobs", "refund">): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.jobs.awaitingRefund(), "jobId", async (jobId) => {
    const job = await store.jobs.get(jobId);
    if (job === null) return;
    await deps.escrowActions.refund(escrowRefOf(job));
    await store.jobs.refundHandedOver(jobId);
  });
}

export async function handOverPartialSettlements(deps: SettleDeps<"jobs" | "runs", "settlePartial">): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.runs.awaitingSettlement(), "jobId", async (jobId) => {
    const job = await store.jobs.get(jobId);
    if (job === null || job.state.status !== "settling-partial") {
      // Settled already, or gone: nothing to hand over.
      await store.runs.settlementHandedOver(jobId);
      return;
    }
    const share = job.state.nodeShareBps;
    if (share === null || job.settleProofHash === null) {
      log.error("settling job without its share or proof hash; not settled, needs an operator", { jobId });
      return;
    }
    await deps.escrowActions.settlePartial(escrowRefOf(job), share, job.settleProofHash);
    await store.runs.settlementHandedOver(jobId);
    log.info("partial settlement handed over", { jobId, nodeId: job.state.nodeId, nodeShareBps: share });
  });
}
