/**
 * A running job's checkpoints and the ways a job ends early: its run deadline passing
 * (timed-out), or its client's cancel. The domain decides each transition on a
 * snapshot (job-state.ts, checkpoints.ts); one Lua script writes it only if the job
 * has not changed since (version-checked), else it is decided again.
 *
 *   add-checkpoint       running job, its node, its token → checkpoint pending, queued
 *   checkpoint-verdict   pending → verified (verified progress may move up) | rejected | retry
 *   end-run              running → settling-partial (timed-out, or cancelled while running)
 *   cancel-before-run    queued / offered → refunding
 *   drop-deadline        a job no longer running leaves jobs:deadlines
 */
import type Redis from "ioredis";

import { type Checkpoint, CHECKPOINT_STATUSES, partialProofHash, runShareBps, type VerifiedProgress } from "../domain/checkpoints";
import { type JobEvent, type JobStatus, transition, TransitionError } from "../domain/job-state";
import { StoreFormatError } from "./codec";
import { storeCall } from "./failures";
import { lastRecord, type StoredJob } from "./job-codec";
import type { JobStore } from "./jobs";
import type { Keys } from "./keys";
import { retryOnStale, type Stale, STALE } from "./retry";
import { replyString, type Scripts } from "./scripts";

export interface CheckpointInput {
  readonly jobId: string;
  readonly nodeId: string;
  readonly jobToken: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly cid: string;
  readonly sha256: string;
  readonly now: number;
}

export type CheckpointOutcome =
  | { readonly kind: "added" | "not-assigned" | "bad-token" }
  | { readonly kind: "exists" | "conflict"; readonly stored: Checkpoint }
  | { readonly kind: "not-running"; readonly status: string }
  | { readonly kind: "epochs-mismatch"; readonly epochs: number }
  | { readonly kind: "before-resume"; readonly resumeEpoch: number };

/** A checkpoint waiting for its check, as the queue names it. */
export interface DueCheckpoint {
  readonly member: string;
  readonly jobId: string;
  /** "{nodeId}:{epoch}" */
  readonly field: string;
  readonly nodeId: string;
  readonly checkpoint: Checkpoint;
}

export type CheckpointCheck =
  | { readonly outcome: "verified"; readonly detail?: undefined }
  | { readonly outcome: "rejected"; readonly detail: string }
  | { readonly outcome: "retry"; readonly detail: string; readonly nextAt: number };

export type EndOutcome = { readonly kind: "ended"; readonly status: JobStatus } | { readonly kind: "not-running" };

export type CancelOutcome =
  | { readonly kind: "cancelled" | "already-cancelled"; readonly status: JobStatus }
  | { readonly kind: "not-cancellable"; readonly status: JobStatus };

export interface StoredCheckpoint extends Checkpoint {
  readonly nodeId: string;
}

function checkpointField(nodeId: string, epoch: number): string {
  return `${nodeId}:${epoch}`;
}

function parseCheckpoint(key: string, field: string, text: string): StoredCheckpoint {
  const value = JSON.parse(text) as Partial<StoredCheckpoint> | null;
  if (
    value === null ||
    typeof value !== "object" ||
    !Number.isSafeInteger(value.epoch) ||
    !Number.isSafeInteger(value.epochs) ||
    typeof value.cid !== "string" ||
    typeof value.sha256 !== "string" ||
    typeof value.nodeId !== "string" ||
    !CHECKPOINT_STATUSES.includes(value.status as Checkpoint["status"])
  ) {
    throw new StoreFormatError(key, field, text);
  }
  return value as StoredCheckpoint;
}

export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scripts: Scripts,
    private readonly jobs: JobStore,
  ) {}

  async addCheckpoint(input: CheckpointInput): Promise<CheckpointOutcome> {
    const keys = this.keys;
    const field = checkpointField(input.nodeId, input.epoch);
    const checkpoint: StoredCheckpoint = {
      epoch: input.epoch,
      epochs: input.epochs,
      cid: input.cid,
      sha256: input.sha256,
      status: "pending",
      at: input.now,
      attempts: 0,
      nodeId: input.nodeId,
    };
    const reply = await this.scripts.run(
      "add-checkpoint",
      [keys.job(input.jobId), keys.jobCheckpoints(input.jobId), keys.checkpointsDue],
      [
        input.jobId,
        input.nodeId,
        input.jobToken,
        field,
        input.epochs,
        JSON.stringify(checkpoint),
        input.now,
        input.cid,
        input.sha256,
        input.epoch,
      ],
    );
    const stored = () => parseCheckpoint(keys.jobCheckpoints(input.jobId), field, replyString(reply, 1));
    switch (reply[0]) {
      case "OK":
        return { kind: "added" };
      case "NOT_RUNNING":
        return { kind: "not-running", status: replyString(reply, 1) };
      case "NOT_ASSIGNED":
        return { kind: "not-assigned" };
      case "BAD_TOKEN":
        return { kind: "bad-token" };
      case "EXISTS":
        return { kind: "exists", stored: stored() };
      case "CONFLICT":
        return { kind: "conflict", stored: stored() };
      case "EPOCHS_MISMATCH":
        return { kind: "epochs-mismatch", epochs: Number(replyString(reply, 1)) };
      case "BEFORE_RESUME":
        return { kind: "before-resume", resumeEpoch: Number(replyString(reply, 1)) };
      default:
        throw new Error(`add-checkpoint replied ${String(reply[0])}`);
    }
  }

  /** Every checkpoint of the job, in the order they were handed in. */
  async checkpoints(jobId: string): Promise<StoredCheckpoint[]> {
    const key = this.keys.jobCheckpoints(jobId);
    const hash = await storeCall("checkpoint read", () => this.redis.hgetall(key));
    return Object.entries(hash)
      .map(([field, text]) => parseCheckpoint(key, field, text))
      .sort((a, b) => a.at - b.at || a.epoch - b.epoch);
  }

  /** Up to `limit` pending checkpoints due for a check at `now`. */
  async dueCheckpoints(now: number, limit: number): Promise<DueCheckpoint[]> {
    const members = await storeCall("checkpoint queue", () =>
      this.redis.zrangebyscore(this.keys.checkpointsDue, "-inf", now, "LIMIT", 0, limit),
    );
    const due: DueCheckpoint[] = [];
    for (const member of members) {
      const [jobId, field] = member.split(" ");
      const key = this.keys.jobCheckpoints(jobId);
      const text = field === undefined ? null : await storeCall("checkpoint read", () => this.redis.hget(key, field));
      if (text === null) {
        await storeCall("checkpoint dequeue", () => this.redis.zrem(this.keys.checkpointsDue, member));
        continue;
      }
      const checkpoint = parseCheckpoint(key, field, text);
      due.push({ member, jobId, field, nodeId: checkpoint.nodeId, checkpoint });
    }
    return due;
  }

  /** Records the check of `due`; true when the job's verified progress moved up. */
  async recordCheck(due: DueCheckpoint, check: CheckpointCheck, now: number): Promise<boolean> {
    const { checkpoint } = due;
    const attempts = (checkpoint.attempts ?? 0) + (check.outcome === "retry" ? 1 : 0);
    const status = check.outcome === "retry" ? "pending" : check.outcome;
    const after = { ...checkpoint, status, attempts, checkedAt: now, ...(check.detail === undefined ? {} : { detail: check.detail }) };
    const progress: VerifiedProgress = {
      epoch: checkpoint.epoch,
      epochs: checkpoint.epochs,
      fraction: checkpoint.epoch / checkpoint.epochs,
      cid: checkpoint.cid,
      sha256: checkpoint.sha256,
    };
    const keys = this.keys;
    const reply = await this.scripts.run(
      "checkpoint-verdict",
      [keys.job(due.jobId), keys.jobCheckpoints(due.jobId), keys.checkpointsDue],
      [
        due.member,
        due.field,
        due.nodeId,
        check.outcome,
        JSON.stringify(after),
        check.outcome === "retry" ? check.nextAt : "",
        JSON.stringify(progress),
        checkpoint.epoch,
      ],
    );
    return reply[0] === "OK" && reply[1] === "progressed";
  }

  /** Jobs whose run deadline is at or before `now`. */
  async dueDeadlines(now: number): Promise<string[]> {
    return storeCall("deadline scan", () => this.redis.zrangebyscore(this.keys.jobsDeadlines, "-inf", now));
  }

  /** A running job whose deadline passed settles by verified progress; any other leaves the deadlines. */
  async timeOut(jobId: string, now: number): Promise<EndOutcome> {
    return retryOnStale(`job ${jobId}`, async (): Promise<EndOutcome | Stale> => {
      const job = await this.jobs.get(jobId);
      if (job === null || job.state.status !== "running") {
        if ((await this.scripts.run("drop-deadline", [this.keys.job(jobId), this.keys.jobsDeadlines], [jobId]))[0] === "RUNNING")
          return STALE;
        return { kind: "not-running" };
      }
      return this.endRun(job, now, "timed-out");
    });
  }

  /**
   * The client cancels `jobId` (the caller checked it is theirs): queued or offered →
   * refunding; running → settling-partial by verified progress; a cancelled job answers
   * what its cancel did; anything else cannot be cancelled.
   */
  async cancel(jobId: string, now: number): Promise<CancelOutcome | null> {
    return retryOnStale(`job ${jobId}`, async (): Promise<CancelOutcome | null | Stale> => {
      const job = await this.jobs.get(jobId);
      if (job === null) return null;
      if (job.cancelledTo !== null) return { kind: "already-cancelled", status: job.cancelledTo };
      const status = job.state.status;
      if (status === "running") {
        const ended = await this.endRun(job, now, "cancel");
        if (ended !== STALE && ended.kind === "ended") return { kind: "cancelled", status: ended.status };
        return STALE;
      }
      if (status !== "queued" && status !== "offered") return { kind: "not-cancellable", status };
      const next = transition(job.state, { type: "cancel", at: now });
      if (next instanceof TransitionError) return { kind: "not-cancellable", status };
      const nodeId = job.state.nodeId ?? "";
      const keys = this.keys;
      const reply = await this.scripts.run(
        "cancel-before-run",
        [keys.job(jobId), keys.jobHistory(jobId), keys.jobCounts, keys.node(nodeId), keys.jobsQueued, keys.jobsOffered, keys.jobsRefunding],
        [jobId, status, job.version, now, lastRecord(next), nodeId],
      );
      if (reply[0] === "OK") return { kind: "cancelled", status: next.status };
      if (reply[0] !== "STALE") throw new Error(`cancel-before-run replied ${String(reply[0])}`);
      return STALE;
    });
  }

  /** Jobs whose partial settlement is to be handed to settlement. */
  async awaitingSettlement(): Promise<string[]> {
    return storeCall("settlement queue", () => this.redis.zrange(this.keys.jobsSettling, 0, -1));
  }

  /** Settlement has taken the partial settlement over (or it is no longer wanted). */
  async settlementHandedOver(jobId: string): Promise<void> {
    await storeCall("settlement hand-over", () => this.redis.zrem(this.keys.jobsSettling, jobId));
  }

  /** running → settling-partial by the snapshot's verified progress; STALE when the job changed meanwhile. */
  private async endRun(job: StoredJob, now: number, type: "timed-out" | "cancel"): Promise<EndOutcome | Stale> {
    const nodeId = job.state.nodeId ?? "";
    // A resumed run is paid only for the epochs it verified past its resume point.
    const share = runShareBps(job.verifiedProgress, job.resumeEpoch);
    const event: JobEvent = { type, at: now, nodeShareBps: share };
    const next = transition(job.state, event);
    if (next instanceof TransitionError) return { kind: "not-running" };
    const keys = this.keys;
    const reason = type === "timed-out" ? "timed-out" : "cancelled-by-client";
    const reply = await this.scripts.run(
      "end-run",
      [keys.job(job.jobId), keys.jobHistory(job.jobId), keys.jobCounts, keys.node(nodeId), keys.jobsDeadlines, keys.jobsSettling],
      [
        job.jobId,
        nodeId,
        job.version,
        now,
        share,
        partialProofHash(job.jobId, job.verifiedProgress),
        lastRecord(next),
        reason,
        type === "cancel" ? next.status : "",
      ],
    );
    if (reply[0] === "OK") return { kind: "ended", status: next.status };
    if (reply[0] !== "STALE") throw new Error(`end-run replied ${String(reply[0])}`);
    return STALE;
  }
}
