/**
 * Start-up reconciliation of the jobs held by nodes (offered, running) against the
 * chain, after `recover()` has finished every money intent a previous process left.
 * The store says "escrow Locked to node N"; the chain decides:
 *
 *   Locked to N                      consistent, nothing to do
 *   Created, or Locked to another    the job is taken back from N (offer-expired /
 *                                    node-lost, with the chain's status as the reason)
 *                                    and waits for its unlock like any lost job; the
 *                                    unlock path then brings the escrow back to Created
 *   Released, Refunded, Expired,     the money left the coordinator's hands (payer
 *   Disputed, or no account          reclaim, arbiter, a key used elsewhere): nothing
 *                                    here can fix that; reported for an operator
 *
 * A job whose intent is still pending (recover() could not finish it) is left alone:
 * its money is in flight, and judging its escrow now could be wrong either way.
 */
import { PublicKey } from "@solana/web3.js";

import type { EscrowActionRunner } from "../chain";
import type { JobStatus } from "../domain/job-state";
import type { Logger } from "../logger";
import type { Store } from "../store";
import type { StoredJob } from "../store/job-codec";

export interface ReconcileDeps {
  readonly store: Pick<Store, "jobs" | "nodes" | "takeBack">;
  readonly runner: Pick<EscrowActionRunner, "reconcileEscrow">;
  readonly log: Logger;
  readonly clock: () => number;
}

export interface TakenBack {
  readonly jobId: string;
  readonly nodeId: string;
  readonly from: JobStatus;
  readonly to: JobStatus;
  readonly reason: string;
}

export interface NeedsAttention {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly reason: string;
}

export interface ReconcileReport {
  /** Held jobs compared with the chain. */
  readonly checked: number;
  readonly consistent: number;
  readonly takenBack: readonly TakenBack[];
  readonly needsAttention: readonly NeedsAttention[];
  /** Jobs with a money intent still pending, left to recover(). */
  readonly inFlight: readonly string[];
}

/** Every job a node holds: offered ones are indexed; running ones are found through their node. */
async function heldJobs(store: ReconcileDeps["store"]): Promise<StoredJob[]> {
  const ids = new Set(await store.jobs.dueOffers(Number.MAX_SAFE_INTEGER));
  for (const node of await store.nodes.all()) if (node.jobId !== null) ids.add(node.jobId);
  const jobs = await Promise.all([...ids].map((jobId) => store.jobs.get(jobId)));
  return jobs.filter(
    (job): job is StoredJob =>
      job !== null && job.state.nodeId !== null && (job.state.status === "offered" || job.state.status === "running"),
  );
}

export async function reconcileHeldJobs(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { store, log } = deps;
  const report = {
    checked: 0,
    consistent: 0,
    takenBack: [] as TakenBack[],
    needsAttention: [] as NeedsAttention[],
    inFlight: [] as string[],
  };
  for (const job of await heldJobs(store)) {
    report.checked++;
    const nodeId = job.state.nodeId as string;
    const chain = await deps.runner.reconcileEscrow(job.jobId, new PublicKey(job.escrow));
    if (chain.pendingIntent !== null) {
      report.inFlight.push(job.jobId);
      log.warn("held job has a money intent in flight; not reconciled", { jobId: job.jobId, action: chain.pendingIntent.action });
      continue;
    }
    const payee = chain.onChain?.payee?.toBase58() ?? null;
    if (chain.status === "Locked" && payee === nodeId) {
      report.consistent++;
      continue;
    }
    const seen = chain.status === null ? "does not exist" : `is ${chain.status}${payee === null ? "" : ` to ${payee}`}`;
    const reason = `reconciled at start-up: escrow ${job.escrow} ${seen} on chain, not Locked to ${nodeId}`;
    if (chain.status === "Created" || chain.status === "Locked") {
      const outcome = await store.takeBack.takeBack(job.jobId, reason, deps.clock());
      if (outcome.kind === "taken") {
        report.takenBack.push({ jobId: job.jobId, nodeId: outcome.nodeId, from: outcome.from, to: outcome.to, reason });
        log.warn("job taken back from its node: the chain disagrees with the store", { jobId: job.jobId, nodeId, to: outcome.to, reason });
      }
      continue;
    }
    report.needsAttention.push({ jobId: job.jobId, status: job.state.status, reason });
    log.error("held job's escrow is out of the coordinator's hands; needs an operator", { jobId: job.jobId, nodeId, reason });
  }
  return report;
}
