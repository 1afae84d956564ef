/**
 * Offering a queued job to a node, in two steps around the on-chain lock: `reserve`
 * makes the job offered to the node (nobody else can get either), the caller locks the
 * escrow to the node, and `publish` lets the node see the offer. If the lock never
 * happens the offer's deadline passes and the lease watchdog puts the job back.
 */
import { transition, TransitionError } from "../domain/job-state";
import { lastRecord, type StoredJob } from "./job-codec";
import type { Keys } from "./keys";
import type { OfferedJobs } from "./offered-jobs";
import type { Scripts } from "./scripts";

export type ReserveOutcome = "reserved" | "stale" | "not-queued" | "node-excluded" | "node-unavailable";

export class OfferStore {
  constructor(
    private readonly keys: Keys,
    private readonly scripts: Scripts,
    private readonly offered: OfferedJobs,
  ) {}

  /** Offers `job` (as read) to `nodeId` until `deadline`. */
  async reserve(job: StoredJob, nodeId: string, now: number, deadline: number): Promise<ReserveOutcome> {
    const next = transition(job.state, { type: "offer", nodeId, at: now });
    if (next instanceof TransitionError) return next.code === "NODE_EXCLUDED" ? "node-excluded" : "stale";
    const keys = this.keys;
    const reply = await this.scripts.run(
      "reserve-offer",
      [
        keys.job(job.jobId),
        keys.jobHistory(job.jobId),
        keys.jobExcluded(job.jobId),
        keys.jobCounts,
        keys.node(nodeId),
        keys.jobsQueued,
        keys.jobsOffered,
      ],
      [job.jobId, nodeId, job.version, now, deadline, lastRecord(next)],
    );
    switch (reply[0]) {
      case "OK":
        // The script moved the job on by one version; the node's accepting beat is decided on this.
        this.offered.remember(job.jobId, { state: next, version: job.version + 1 });
        return "reserved";
      case "STALE":
        return "stale";
      case "NOT_QUEUED":
        return "not-queued";
      case "NODE_EXCLUDED":
        return "node-excluded";
      case "NODE_UNAVAILABLE":
        return "node-unavailable";
      default:
        throw new Error(`reserve-offer replied ${String(reply[0])}`);
    }
  }

  /**
   * Lets the node see its offer, and binds `jobToken` to (job, node) until the job leaves
   * the node; false when the job is no longer offered to it. `resumeEpoch`: the epoch of the
   * offer's resumeFrom (0: none), kept on the job for the run's partial settlement.
   */
  async publish(jobId: string, nodeId: string, offer: string, jobToken: string, resumeEpoch = 0): Promise<boolean> {
    const reply = await this.scripts.run(
      "publish-offer",
      [this.keys.job(jobId), this.keys.node(nodeId)],
      [jobId, nodeId, offer, jobToken, resumeEpoch],
    );
    return reply[0] === "OK";
  }
}
