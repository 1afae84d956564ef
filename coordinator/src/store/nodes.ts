/**
 * Nodes: registration, reads and the heartbeat. A heartbeat is one script call (plus
 * the nonce the signed request claims: two Redis commands per beat), the accepting one
 * included. The acceptance (offered → running) is the domain's (job-state.ts), decided
 * on the snapshot of the job this process offered (offered-jobs.ts) and written by the
 * script only if the job's version is unchanged. Without a snapshot the script answers
 * DECIDE before any write; the job is read, the domain decides, and the beat is sent
 * again with that decision. A stale decision is decided again on a fresh read.
 */
import type Redis from "ioredis";

import { nodeClassFor } from "../domain/gpu";
import { transition, TransitionError } from "../domain/job-state";
import { isEmptyHash } from "./codec";
import { storeCall } from "./failures";
import { lastRecord } from "./job-codec";
import type { JobStore } from "./jobs";
import type { Keys } from "./keys";
import { decodeNode, type StoredNode } from "./node-codec";
import type { JobSnapshot, OfferedJobs } from "./offered-jobs";
import { retryOnStale, STALE } from "./retry";
import { replyString, type Scripts } from "./scripts";

export interface Registration {
  readonly nodeId: string;
  readonly gpuModel: string;
  readonly vramGb: number;
  readonly gpuCount: number;
  readonly priceFloor: bigint;
}

export interface Beat {
  readonly nodeId: string;
  /** The job the node says it works on; its offer is accepted by naming it. */
  readonly jobId: string | null;
  readonly progress: number | null;
  /** From the request's signed timestamp to its receipt, ms. */
  readonly latencyMs: number;
  readonly now: number;
}

export type BeatOutcome =
  | { readonly kind: "unknown-node" }
  | { readonly kind: "not-assigned" }
  | {
      readonly kind: "ok";
      /** The offer waiting for the node (JSON), if any. */
      readonly offer: string | null;
      /** A job the node lost and must drop, if any. */
      readonly cancel: string | null;
      /** The status of the job the beat named. */
      readonly jobStatus: string | null;
      /** Why the job is cancelled: timed-out, cancelled-by-client; null when the node lost it. */
      readonly cancelReason: string | null;
    };

/** A decided acceptance: the job version it was decided on and its history record. */
interface Acceptance {
  readonly version: string;
  readonly record: string;
}

const UNDECIDED: Acceptance = { version: "", record: "" };

/**
 * The domain's decision on the beat accepting `snapshot`'s offer: the version it holds
 * for and the history record; UNDECIDED when the domain refuses (the job is not offered
 * to the node in that snapshot).
 */
function acceptance(snapshot: JobSnapshot, beat: Beat): Acceptance {
  const next = transition(snapshot.state, { type: "accept", nodeId: beat.nodeId, at: beat.now });
  if (next instanceof TransitionError) return UNDECIDED;
  return { version: String(snapshot.version), record: lastRecord(next) };
}

export class NodeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scripts: Scripts,
    private readonly jobs: Pick<JobStore, "get">,
    private readonly offered: OfferedJobs,
  ) {}

  async register(registration: Registration, now: number): Promise<"created" | "updated"> {
    const reply = await this.scripts.run(
      "register-node",
      [this.keys.node(registration.nodeId), this.keys.nodes, this.keys.leases],
      [
        registration.nodeId,
        now,
        registration.gpuModel,
        registration.vramGb,
        nodeClassFor(registration.gpuModel, registration.vramGb),
        registration.gpuCount,
        registration.priceFloor.toString(),
      ],
    );
    return reply[0] === "CREATED" ? "created" : "updated";
  }

  async get(nodeId: string): Promise<StoredNode | null> {
    const key = this.keys.node(nodeId);
    const hash = await storeCall("node read", () => this.redis.hgetall(key));
    return isEmptyHash(hash) ? null : decodeNode(key, hash);
  }

  /** Every registered node. */
  async all(): Promise<StoredNode[]> {
    const ids = await storeCall("node list", () => this.redis.smembers(this.keys.nodes));
    return this.many(ids);
  }

  /** Nodes holding a lease (online). */
  async online(): Promise<StoredNode[]> {
    const ids = await storeCall("lease list", () => this.redis.zrange(this.keys.leases, 0, -1));
    return this.many(ids);
  }

  async onlineCount(): Promise<number> {
    return storeCall("lease count", () => this.redis.zcard(this.keys.leases));
  }

  /** Online nodes whose last heartbeat is at or before `cutoff`. */
  async staleLeases(cutoff: number): Promise<string[]> {
    return storeCall("lease scan", () => this.redis.zrangebyscore(this.keys.leases, "-inf", cutoff));
  }

  async heartbeat(beat: Beat): Promise<BeatOutcome> {
    const jobId = beat.jobId;
    if (jobId === null) return this.outcome(await this.beat(beat, UNDECIDED));
    return retryOnStale(`job ${jobId}`, async () => {
      const snapshot = this.offered.get(jobId, beat.nodeId);
      let reply = await this.beat(beat, snapshot === undefined ? UNDECIDED : acceptance(snapshot, beat));
      if (reply[0] === "DECIDE") reply = await this.beat(beat, await this.readAndDecide(jobId, beat));
      if (reply[0] === "STALE") {
        this.offered.forget(jobId);
        return STALE;
      }
      if (reply[0] !== "OK" || reply[3] !== "offered") this.offered.forget(jobId);
      return this.outcome(reply);
    });
  }

  private beat(beat: Beat, acceptance: Acceptance): Promise<unknown[]> {
    const keys = this.keys;
    const jobId = beat.jobId ?? "";
    return this.scripts.run(
      "heartbeat",
      [keys.node(beat.nodeId), keys.leases, keys.job(jobId), keys.jobHistory(jobId), keys.jobsOffered, keys.jobCounts, keys.jobsDeadlines],
      [
        beat.nodeId,
        beat.now,
        jobId,
        beat.progress === null ? "" : String(beat.progress),
        Math.max(0, Math.round(beat.latencyMs)),
        acceptance.version,
        acceptance.record,
      ],
    );
  }

  /**
   * The domain's accept on the job as it is now. A job that moved on (or vanished) since
   * the script asked gets a decision without a record: the script finds it stale.
   */
  private async readAndDecide(jobId: string, beat: Beat): Promise<Acceptance> {
    const job = await this.jobs.get(jobId);
    if (job === null) return { version: "-", record: "" };
    const next = transition(job.state, { type: "accept", nodeId: beat.nodeId, at: beat.now });
    if (!(next instanceof TransitionError)) return { version: String(job.version), record: lastRecord(next) };
    // The script asked because the job is offered to this node; the domain refusing that is a bug.
    if (job.state.status === "offered" && job.state.nodeId === beat.nodeId) throw next;
    return { version: String(job.version), record: "" };
  }

  private outcome(reply: readonly unknown[]): BeatOutcome {
    switch (reply[0]) {
      case "UNKNOWN_NODE":
        return { kind: "unknown-node" };
      case "NOT_ASSIGNED":
        return { kind: "not-assigned" };
      case "OK":
        return {
          kind: "ok",
          offer: replyString(reply, 1) || null,
          cancel: replyString(reply, 2) || null,
          jobStatus: replyString(reply, 3) || null,
          cancelReason: replyString(reply, 4) || null,
        };
      default:
        throw new Error(`heartbeat replied ${String(reply[0])}`);
    }
  }

  private async many(ids: readonly string[]): Promise<StoredNode[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.node(id));
    const replies = await storeCall("node reads", () => pipeline.exec());
    if (replies === null) throw new Error("node reads were aborted");
    const nodes: StoredNode[] = [];
    replies.forEach(([error, hash], index) => {
      if (error !== null) throw error;
      const fields = hash as Record<string, string>;
      if (!isEmptyHash(fields)) nodes.push(decodeNode(this.keys.node(ids[index]), fields));
    });
    return nodes;
  }
}
