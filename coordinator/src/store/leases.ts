/**
 * What the lease watchdog changes: nodes whose heartbeats stopped go offline and lose
 * their job, offers nobody accepted expire, and jobs whose escrow is unlocked again
 * return to the matchable queue. The domain decides each job's next state
 * (node-lost: attempt + 1, or refund after the last attempt; offer-expired); a script
 * writes it only if nothing changed since it was read. A node that says it cannot
 * finish its job (abandon) loses it the same way, at once, without going offline.
 */
import { type AbandonFault, type JobEvent, type JobStatus, transition, TransitionError } from "../domain/job-state";
import type { JobStore } from "./jobs";
import { lastRecord } from "./job-codec";
import type { Keys } from "./keys";
import type { NodeStore } from "./nodes";
import { retryOnStale, type Stale, STALE } from "./retry";
import { replyString, type Scripts } from "./scripts";

export type NodeExpiry =
  | { readonly kind: "alive" | "offline" | "unknown-node" }
  | {
      readonly kind: "expired";
      /** The job the node held, if any, and where it went. */
      readonly jobId: string | null;
      readonly from: JobStatus | null;
      readonly to: JobStatus | null;
    };

/**
 * The keys of release-held-job-8.lua, which takes a held (offered or running) job
 * from its node (a take-back at start-up or the node's abandon).
 */
export function heldJobKeys(keys: Keys, jobId: string, nodeId: string): string[] {
  return [
    keys.job(jobId),
    keys.jobHistory(jobId),
    keys.jobExcluded(jobId),
    keys.jobCounts,
    keys.node(nodeId),
    keys.jobsOffered,
    keys.jobsUnlocking,
    keys.jobsRefunding,
  ];
}

export type OfferExpiry = "expired" | "not-due" | "gone";

export type AbandonOutcome =
  | { readonly kind: "abandoned"; readonly from: JobStatus; readonly to: JobStatus }
  /** The token is not the job's current one (wrong, or of an earlier offer). */
  | { readonly kind: "bad-token" }
  /** The current token, but the job is with another node. */
  | { readonly kind: "not-assigned" }
  /** The job is with this node but past running (reported): nothing to give up. */
  | { readonly kind: "not-running"; readonly status: JobStatus }
  | { readonly kind: "invalid"; readonly message: string };

export interface Abandon {
  readonly jobId: string;
  readonly nodeId: string;
  readonly reason: string;
  readonly fault?: AbandonFault;
  readonly jobToken: string;
  readonly now: number;
}

export class LeaseStore {
  constructor(
    private readonly keys: Keys,
    private readonly scripts: Scripts,
    private readonly jobs: JobStore,
    private readonly nodes: NodeStore,
  ) {}

  /** Takes `nodeId` offline if its last heartbeat is at or before `cutoff`. */
  async expireNode(nodeId: string, cutoff: number, now: number): Promise<NodeExpiry> {
    return retryOnStale(`node ${nodeId}`, async (): Promise<NodeExpiry | Stale> => {
      const node = await this.nodes.get(nodeId);
      if (node === null) return { kind: "unknown-node" };
      const jobId = node.jobId ?? "";
      let version = "";
      let to: JobStatus | "" = "";
      let attempts = "";
      let record = "";
      const job = jobId === "" ? null : await this.jobs.get(jobId);
      if (job !== null) {
        const event: JobEvent =
          job.state.status === "offered"
            ? { type: "offer-expired", nodeId, at: now }
            : { type: "node-lost", nodeId, at: now, detail: `no heartbeat since ${new Date(node.lastSeen).toISOString()}` };
        const next = transition(job.state, event);
        if (!(next instanceof TransitionError)) {
          version = String(job.version);
          to = next.status;
          attempts = String(next.attempts);
          record = lastRecord(next);
        }
      }
      const keys = this.keys;
      const reply = await this.scripts.run(
        "expire-node",
        [
          keys.node(nodeId),
          keys.leases,
          keys.job(jobId),
          keys.jobHistory(jobId),
          keys.jobExcluded(jobId),
          keys.jobCounts,
          keys.jobsOffered,
          keys.jobsUnlocking,
          keys.jobsRefunding,
        ],
        [nodeId, cutoff, now, jobId, version, to, attempts, record],
      );
      switch (reply[0]) {
        case "OK": {
          const from = replyString(reply, 1);
          return {
            kind: "expired",
            jobId: jobId === "" ? null : jobId,
            from: from === "" ? null : (from as JobStatus),
            to: from === "" || to === "" ? null : to,
          };
        }
        case "ALIVE":
          return { kind: "alive" };
        case "OFFLINE":
          return { kind: "offline" };
        case "STALE":
          return STALE;
        default:
          throw new Error(`expire-node replied ${String(reply[0])}`);
      }
    });
  }

  /** Puts an offered job back in the queue if its deadline has passed. */
  async expireOffer(jobId: string, now: number): Promise<OfferExpiry> {
    return retryOnStale(`job ${jobId}`, async (): Promise<OfferExpiry | Stale> => {
      const job = await this.jobs.get(jobId);
      if (job === null || job.state.status !== "offered" || job.state.nodeId === null) return "gone";
      const nodeId = job.state.nodeId;
      const next = transition(job.state, { type: "offer-expired", nodeId, at: now });
      if (next instanceof TransitionError) return "gone";
      const keys = this.keys;
      const reply = await this.scripts.run(
        "expire-offer",
        [
          keys.job(jobId),
          keys.jobHistory(jobId),
          keys.jobExcluded(jobId),
          keys.jobCounts,
          keys.node(nodeId),
          keys.jobsOffered,
          keys.jobsUnlocking,
        ],
        [jobId, nodeId, job.version, now, lastRecord(next)],
      );
      if (reply[0] === "OK") return "expired";
      if (reply[0] === "NOT_DUE") return "not-due";
      if (reply[0] !== "STALE") throw new Error(`expire-offer replied ${String(reply[0])}`);
      return STALE;
    });
  }

  /**
   * `nodeId` gives up `jobId` (offered or running) with the job's current token: the
   * domain's abandon, written only if the job did not change since it was read (else
   * read and decided again). The caller checked the token in constant time first; here
   * it is only re-read, so a new offer in between makes it "bad-token".
   */
  async abandon(input: Abandon): Promise<AbandonOutcome> {
    const { jobId, nodeId, now } = input;
    return retryOnStale(`job ${jobId}`, async (): Promise<AbandonOutcome | Stale> => {
      const job = await this.jobs.get(jobId);
      if (job === null || job.jobToken !== input.jobToken || job.jobTokenNode !== job.state.nodeId) return { kind: "bad-token" };
      if (job.state.nodeId !== nodeId) return { kind: "not-assigned" };
      if (job.state.status !== "offered" && job.state.status !== "running") return { kind: "not-running", status: job.state.status };
      const event: JobEvent = {
        type: "abandon",
        nodeId,
        at: now,
        reason: input.reason,
        ...(input.fault === undefined ? {} : { fault: input.fault }),
      };
      const next = transition(job.state, event);
      if (next instanceof TransitionError) return { kind: "invalid", message: next.message };
      const reply = await this.scripts.run("release-held-job", heldJobKeys(this.keys, jobId, nodeId), [
        jobId,
        nodeId,
        job.version,
        now,
        next.status,
        next.attempts,
        lastRecord(next),
        "abandon",
      ]);
      if (reply[0] === "OK") return { kind: "abandoned", from: replyString(reply, 1) as JobStatus, to: next.status };
      if (reply[0] !== "STALE") throw new Error(`release-held-job replied ${String(reply[0])}`);
      return STALE;
    });
  }

  /** The job's escrow is Created again on chain: it may be matched again. */
  async unlocked(jobId: string): Promise<boolean> {
    const keys = this.keys;
    const reply = await this.scripts.run("unlocked", [keys.job(jobId), keys.jobsUnlocking, keys.jobsQueued], [jobId]);
    return reply[0] === "OK";
  }
}
