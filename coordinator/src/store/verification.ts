/**
 * The verification queue: reported proofs due for a check, the verdicts on them, and
 * the verified jobs waiting for their release hand-over. The domain turns a verdict
 * into the job's next state (proof-verified / proof-rejected / proof-retry) on the
 * snapshot the check started from; one script writes it only if the job has not
 * changed since (see proof-verdict-7.lua).
 */
import type Redis from "ioredis";

import { type JobEvent, transition, TransitionError } from "../domain/job-state";
import { type ProofVerdict, reliabilityEffect } from "../domain/proof-verdict";
import { storeCall } from "./failures";
import { lastRecord, type StoredJob } from "./job-codec";
import type { Keys } from "./keys";
import type { Scripts } from "./scripts";

export type VerdictOutcome =
  | { readonly kind: "recorded"; readonly status: "releasing" | "refunding" | "verifying" }
  /** The job changed since the check started (another verifier, a restart): nothing written. */
  | { readonly kind: "stale" }
  /** The state machine refused the verdict (a bug): nothing written. */
  | { readonly kind: "refused"; readonly message: string };

const COUNTER = { verified: "proofsVerified", rejected: "proofsRejected", none: "" } as const;

function eventOf(verdict: ProofVerdict, at: number): JobEvent {
  switch (verdict.outcome) {
    case "verified":
      return { type: "proof-verified", verdict, at };
    case "rejected":
      return { type: "proof-rejected", verdict, at };
    case "retry":
      return { type: "proof-retry", verdict, at };
  }
}

/** Transient failures so far, this verdict included when it is one (the final one too). */
function transientFailures(job: StoredJob, verdict: ProofVerdict): number {
  if (verdict.outcome === "retry" || (verdict.outcome === "rejected" && verdict.after !== undefined)) return verdict.attempt;
  return job.verifyAttempts;
}

export class VerificationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scripts: Scripts,
  ) {}

  /** Up to `limit` jobs whose proof is due for a check at `now`, longest waiting first. */
  async due(now: number, limit: number): Promise<string[]> {
    return storeCall("verification queue", () => this.redis.zrangebyscore(this.keys.jobsVerifying, "-inf", now, "LIMIT", 0, limit));
  }

  /** Records `verdict` on `job` as it was read before the check. */
  async record(job: StoredJob, verdict: ProofVerdict, now: number): Promise<VerdictOutcome> {
    const next = transition(job.state, eventOf(verdict, now));
    if (next instanceof TransitionError) return { kind: "refused", message: next.message };
    const status = next.status as "releasing" | "refunding" | "verifying";
    const nodeId = job.state.nodeId ?? "";
    const keys = this.keys;
    const reply = await this.scripts.run(
      "proof-verdict",
      [
        keys.job(job.jobId),
        keys.jobHistory(job.jobId),
        keys.jobCounts,
        keys.node(nodeId),
        keys.jobsVerifying,
        keys.jobsReleasing,
        keys.jobsRefunding,
      ],
      [
        job.jobId,
        job.version,
        now,
        status,
        lastRecord(next),
        JSON.stringify(verdict),
        transientFailures(job, verdict),
        verdict.outcome === "retry" ? verdict.nextAt : "",
        nodeId === "" ? "" : COUNTER[reliabilityEffect(verdict)],
      ],
    );
    if (reply[0] === "OK") return { kind: "recorded", status };
    if (reply[0] === "STALE") return { kind: "stale" };
    throw new Error(`proof-verdict replied ${String(reply[0])}`);
  }

  /** Takes `jobId` off the verification queue (only for a job that is not verifying). */
  async dequeue(jobId: string): Promise<void> {
    await storeCall("verification dequeue", () => this.redis.zrem(this.keys.jobsVerifying, jobId));
  }

  /** Verified jobs whose release is to be handed to settlement. */
  async awaitingRelease(): Promise<string[]> {
    return storeCall("release queue", () => this.redis.zrange(this.keys.jobsReleasing, 0, -1));
  }

  /** Settlement has taken the release over (it records and sends it exactly once). */
  async releaseHandedOver(jobId: string): Promise<void> {
    await storeCall("release hand-over", () => this.redis.zrem(this.keys.jobsReleasing, jobId));
  }
}
