/**
 * Jobs: submission (atomic with its idempotency record), reads, the queues the loops
 * work from, and the node's report. Transitions are decided by the domain state machine
 * (domain/job-state.ts) on a snapshot, then written by a script that first checks the
 * job's version is still the snapshot's: a concurrent change makes the script refuse
 * and the caller decide again.
 */
import type Redis from "ioredis";

import { type JobStatus, transition, TransitionError, type WeightsProof } from "../domain/job-state";
import { decodeJob, type JobSpec, lastRecord, newJobFields, type StoredJob } from "./job-codec";
import { storeCall } from "./failures";
import type { Keys } from "./keys";
import { amountParts } from "./ledger";
import { retryOnStale, type Stale, STALE } from "./retry";
import { replyString, type Scripts } from "./scripts";

export interface Submission {
  readonly spec: JobSpec;
  readonly idempotencyKey: string;
  /** sha256 of the request body: the same key with another body is a conflict. */
  readonly bodyHash: string;
  /** The response the first submission answers, kept for its retries. */
  readonly response: string;
  readonly idempotencyTtlMs: number;
  readonly quoteExpiresAt: number;
  readonly urgency: number;
  /** The first history record (JSON). */
  readonly createdRecord: string;
  readonly now: number;
}

export type SubmitOutcome =
  | { readonly kind: "created" | "replayed"; readonly response: string }
  | { readonly kind: "idempotency-conflict" | "job-exists" | "quote-expired" }
  | { readonly kind: "quote-used"; readonly jobId: string };

export type IdempotentAnswer = { readonly bodyHash: string; readonly response: string } | null;

export type ReportOutcome =
  | { readonly kind: "reported" | "already-reported" | "not-assigned" | "unknown-job" }
  | { readonly kind: "not-running"; readonly status: JobStatus }
  | { readonly kind: "invalid"; readonly message: string };

export { CAS_ATTEMPTS, ConcurrentUpdateError } from "./retry";

export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scripts: Scripts,
  ) {}

  async submit(submission: Submission): Promise<SubmitOutcome> {
    const { spec } = submission;
    const keys = this.keys;
    const reply = await this.scripts.run(
      "submit-job",
      [
        keys.idempotency(spec.client, submission.idempotencyKey),
        keys.job(spec.jobId),
        keys.jobHistory(spec.jobId),
        keys.quote(spec.quoteId),
        keys.quoteUse(spec.quoteId),
        keys.jobsQueued,
        keys.jobCounts,
        keys.clientJobs(spec.client),
        keys.escrowHeld,
      ],
      [
        submission.bodyHash,
        submission.response,
        submission.idempotencyTtlMs,
        spec.jobId,
        submission.urgency,
        submission.quoteExpiresAt,
        submission.createdRecord,
        spec.submittedAt,
        ...amountParts(spec.amount),
        ...newJobFields(spec, submission.urgency, submission.now),
      ],
    );
    switch (reply[0]) {
      case "CREATED":
        return { kind: "created", response: replyString(reply, 1) };
      case "REPLAYED":
        return { kind: "replayed", response: replyString(reply, 1) };
      case "IDEMPOTENCY_CONFLICT":
        return { kind: "idempotency-conflict" };
      case "JOB_EXISTS":
        return { kind: "job-exists" };
      case "QUOTE_EXPIRED":
        return { kind: "quote-expired" };
      case "QUOTE_USED":
        return { kind: "quote-used", jobId: replyString(reply, 1) };
      default:
        throw new Error(`submit-job replied ${String(reply[0])}`);
    }
  }

  /** The stored answer to an earlier submission with this key, if any. */
  async idempotentAnswer(client: string, idempotencyKey: string): Promise<IdempotentAnswer> {
    const [bodyHash, response] = await storeCall("idempotency read", () =>
      this.redis.hmget(this.keys.idempotency(client, idempotencyKey), "bodyHash", "response"),
    );
    return bodyHash === null || response === null ? null : { bodyHash, response };
  }

  /** The job, read in one MULTI so its hash, history and exclusions agree. */
  async get(jobId: string): Promise<StoredJob | null> {
    const key = this.keys.job(jobId);
    const replies = await storeCall("job read", () =>
      this.redis.multi().hgetall(key).lrange(this.keys.jobHistory(jobId), 0, -1).smembers(this.keys.jobExcluded(jobId)).exec(),
    );
    if (replies === null) throw new Error(`job read of ${jobId} was aborted`);
    for (const [error] of replies) if (error !== null) throw error;
    const hash = replies[0][1] as Record<string, string>;
    if (Object.keys(hash).length === 0) return null;
    return decodeJob(key, hash, replies[1][1] as string[], replies[2][1] as string[]);
  }

  /** Jobs per status. */
  async counts(): Promise<Partial<Record<JobStatus, number>>> {
    const hash = await storeCall("job counts", () => this.redis.hgetall(this.keys.jobCounts));
    return Object.fromEntries(Object.entries(hash).map(([status, count]) => [status, Number(count)]));
  }

  async queuedCount(): Promise<number> {
    return storeCall("queue depth", () => this.redis.zcard(this.keys.jobsQueued));
  }

  /** The `limit` most urgent jobs ready to match. */
  async mostUrgent(limit: number): Promise<StoredJob[]> {
    const ids = await storeCall("queue read", () => this.redis.zrange(this.keys.jobsQueued, 0, limit - 1));
    const jobs = await Promise.all(ids.map((jobId) => this.get(jobId)));
    return jobs.filter((job): job is StoredJob => job !== null);
  }

  /** Offered jobs whose deadline is at or before `now`. */
  async dueOffers(now: number): Promise<string[]> {
    return storeCall("offer deadlines", () => this.redis.zrangebyscore(this.keys.jobsOffered, "-inf", now));
  }

  async awaitingUnlock(): Promise<string[]> {
    return storeCall("unlock queue", () => this.redis.zrange(this.keys.jobsUnlocking, 0, -1));
  }

  async awaitingRefund(): Promise<string[]> {
    return storeCall("refund queue", () => this.redis.zrange(this.keys.jobsRefunding, 0, -1));
  }

  /** Settlement has taken the refund over (it records and sends it exactly once). */
  async refundHandedOver(jobId: string): Promise<void> {
    await storeCall("refund hand-over", () => this.redis.zrem(this.keys.jobsRefunding, jobId));
  }

  /** Jobs whose proof waits for verification, oldest report first. */
  async awaitingVerification(): Promise<string[]> {
    return storeCall("verification queue", () => this.redis.zrange(this.keys.jobsVerifying, 0, -1));
  }

  /** The node that runs `jobId` reports its weights: running → verifying. */
  async report(jobId: string, nodeId: string, proof: WeightsProof, metrics: string, now: number): Promise<ReportOutcome> {
    return retryOnStale(`job ${jobId}`, async (): Promise<ReportOutcome | Stale> => {
      const job = await this.get(jobId);
      if (job === null) return { kind: "unknown-job" };
      if (job.state.nodeId !== nodeId) return { kind: "not-assigned" };
      const proofText = JSON.stringify(proof);
      if (job.state.status === "verifying" && JSON.stringify(job.state.proof) === proofText) {
        return { kind: "already-reported" };
      }
      const next = transition(job.state, { type: "report", nodeId, proof, at: now });
      if (next instanceof TransitionError) {
        if (next.code === "INVALID_EVENT") return { kind: "invalid", message: next.message };
        return { kind: "not-running", status: job.state.status };
      }
      const keys = this.keys;
      const reply = await this.scripts.run(
        "report-job",
        [keys.job(jobId), keys.jobHistory(jobId), keys.jobCounts, keys.node(nodeId), keys.jobsVerifying],
        [jobId, nodeId, job.version, now, proofText, metrics, lastRecord(next)],
      );
      switch (reply[0]) {
        case "OK":
          return { kind: "reported" };
        case "ALREADY_REPORTED":
          return { kind: "already-reported" };
        case "NOT_ASSIGNED":
          return { kind: "not-assigned" };
        case "STALE":
          return STALE;
        default:
          throw new Error(`report-job replied ${String(reply[0])}`);
      }
    });
  }
}
