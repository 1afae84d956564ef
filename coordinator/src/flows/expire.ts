/**
 * Expire: what time takes from a job.
 *
 *   nodes       nodes silent for a lease (missesBeforeOffline × intervalMs) go offline
 *               and lose their job (node-lost: attempt + 1, refund after the last;
 *               offer-expired when not yet accepted)
 *   offers      an offer not accepted by its deadline expires
 *   unlocks     a job that lost its node waits here until its escrow is unlocked
 *               through EscrowActions (awaited), then returns to the queue
 *   runs        a running job past its run deadline times out: settling-partial by
 *               verified progress (flows/settle.ts hands it over), its node told to drop it
 */
import type { Logger } from "../logger";
import type { EscrowActions } from "../ports";
import type { Store } from "../store";
import { escrowRefOf } from "./context";
import { eachItem } from "./each-item";

export interface ExpireDeps {
  readonly store: Pick<Store, "jobs" | "nodes" | "leases" | "runs">;
  readonly escrowActions: Pick<EscrowActions, "unlock">;
  readonly log: Logger;
}

/** Takes nodes whose last beat is at or before `cutoff` offline, with their jobs. */
export async function expireNodes(deps: Omit<ExpireDeps, "escrowActions">, cutoff: number, now: number): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.nodes.staleLeases(cutoff), "nodeId", async (nodeId) => {
    const expiry = await store.leases.expireNode(nodeId, cutoff, now);
    if (expiry.kind === "expired")
      log.info("node offline: lease expired", { nodeId, jobId: expiry.jobId, from: expiry.from, to: expiry.to });
  });
}

export async function expireOffers(deps: Omit<ExpireDeps, "escrowActions">, now: number): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.jobs.dueOffers(now), "jobId", async (jobId) => {
    if ((await store.leases.expireOffer(jobId, now)) === "expired") log.info("offer expired", { jobId });
  });
}

export async function unlockJobs(deps: ExpireDeps): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.jobs.awaitingUnlock(), "jobId", async (jobId) => {
    const job = await store.jobs.get(jobId);
    if (job === null) return;
    // A job that left the queue meanwhile (refunding) needs no unlock: its refund
    // takes the escrow from Locked too, and the two would only conflict on chain.
    if (job.state.status === "queued") await deps.escrowActions.unlock(escrowRefOf(job));
    if (await store.leases.unlocked(jobId)) log.info("escrow unlocked; job requeued", { jobId });
  });
}

export async function timeOutRuns(deps: Omit<ExpireDeps, "escrowActions">, now: number): Promise<void> {
  const { store, log } = deps;
  await eachItem(log, await store.runs.dueDeadlines(now), "jobId", async (jobId) => {
    const outcome = await store.runs.timeOut(jobId, now);
    if (outcome.kind === "ended") log.info("job timed out; settling by verified progress", { jobId });
  });
}
