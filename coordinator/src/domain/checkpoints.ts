/**
 * Checkpoints and verified progress. A running node hands in a checkpoint per epoch
 * (CID and sha256 of its bytes); the coordinator fetches the bytes from IPFS and
 * checks the hash. Only verified checkpoints count: verified progress is the highest
 * verified epoch over the job's epochs, and it is what a job that ends early (timed
 * out, cancelled while running) pays the node:
 *
 *   nodeShareBps = floor(verifiedEpoch × 10 000 / epochs)       (0 with nothing verified)
 *   proofHash    = sha256 of the last verified checkpoint's bytes
 *                  (with nothing verified: sha256("cyxwiz:no-verified-checkpoint:" + jobId),
 *                  because JobEscrow refuses an all-zero proof hash)
 *
 * A job's run deadline is its acceptance time + maxDurationSecs.
 *
 * A job offered again after a run ended early (node lost, given back) carries the latest
 * verified checkpoint of its earlier runs as the offer's resumeFrom, so the next node
 * continues from that epoch instead of epoch 1. Its run's progress still counts only the
 * checkpoints it hands in, and it is paid only for the epochs past the resume point:
 *
 *   nodeShareBps = floor((verifiedEpoch − resumeEpoch) × 10 000 / epochs)   (0 at or below it)
 */
import { createHash } from "node:crypto";

import { MAX_EPOCHS } from "@cyxwiz/protocol/api/constants";
import { CoordinatorError } from "./errors";

export const CHECKPOINT_STATUSES = ["pending", "verified", "rejected"] as const;
export type CheckpointStatus = (typeof CHECKPOINT_STATUSES)[number];

/** The most epochs a job may declare, and the maxDurationSecs bounds, are the API's. */
export { MAX_DURATION_SECS, MAX_EPOCHS, MIN_DURATION_SECS } from "@cyxwiz/protocol/api/constants";

export interface Checkpoint {
  readonly epoch: number;
  readonly epochs: number;
  readonly cid: string;
  /** sha256 the node claims for the bytes, lowercase hex. */
  readonly sha256: string;
  readonly status: CheckpointStatus;
  /** Why it was rejected (or the last transient failure while pending). */
  readonly detail?: string;
  /** Unix ms it was handed in. */
  readonly at: number;
  /** Unix ms of the verdict. */
  readonly checkedAt?: number;
  /** Transient read failures so far. */
  readonly attempts?: number;
}

export interface VerifiedProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** epoch / epochs. */
  readonly fraction: number;
  readonly cid: string;
  readonly sha256: string;
}

export class CheckpointError extends CoordinatorError<"INVALID_CHECKPOINT"> {}

/** The highest verified checkpoint, or null. */
export function verifiedProgress(checkpoints: readonly Checkpoint[]): VerifiedProgress | null {
  let best: Checkpoint | null = null;
  for (const checkpoint of checkpoints) {
    if (checkpoint.status === "verified" && (best === null || checkpoint.epoch > best.epoch)) best = checkpoint;
  }
  if (best === null) return null;
  return { epoch: best.epoch, epochs: best.epochs, fraction: best.epoch / best.epochs, cid: best.cid, sha256: best.sha256 };
}

/** What an offer hands the next node of a job: a verified checkpoint of an earlier run. */
export interface ResumePoint {
  readonly cid: string;
  readonly sha256: string;
  readonly epoch: number;
  readonly epochs: number;
}

/**
 * The checkpoint a new run of a job resumes from: the verified one with the highest epoch
 * among `checkpoints` (all of the job's earlier runs; the coordinator fetched each and
 * checked its sha256), short of the last epoch; null when there is none.
 */
export function resumePoint(checkpoints: readonly Checkpoint[]): ResumePoint | null {
  let best: Checkpoint | null = null;
  for (const checkpoint of checkpoints) {
    if (checkpoint.status !== "verified" || checkpoint.epoch < 1 || checkpoint.epoch >= checkpoint.epochs) continue;
    if (best === null || checkpoint.epoch > best.epoch || (checkpoint.epoch === best.epoch && checkpoint.at > best.at)) best = checkpoint;
  }
  if (best === null) return null;
  return { cid: best.cid, sha256: best.sha256, epoch: best.epoch, epochs: best.epochs };
}

/**
 * The share of a run that resumed at `resumeEpoch` (0: from scratch): only the epochs this
 * run verified past it, floor((epoch − resumeEpoch) × 10 000 / epochs); 0 with nothing past it.
 */
export function runShareBps(progress: Pick<VerifiedProgress, "epoch" | "epochs"> | null, resumeEpoch: number): number {
  if (progress === null) return 0;
  const base = nodeShareBps(progress);
  if (!Number.isSafeInteger(resumeEpoch) || resumeEpoch <= 0) return base;
  if (progress.epoch <= resumeEpoch) return 0;
  return Number((BigInt(progress.epoch - resumeEpoch) * 10_000n) / BigInt(progress.epochs));
}

/** floor(epoch × 10 000 / epochs), in integers; 0 when nothing is verified. */
export function nodeShareBps(progress: Pick<VerifiedProgress, "epoch" | "epochs"> | null): number {
  if (progress === null) return 0;
  const { epoch, epochs } = progress;
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS || epoch < 0 || epoch > epochs) {
    throw new CheckpointError("INVALID_CHECKPOINT", `verified epoch ${epoch} of ${epochs} is not a progress`);
  }
  return Number((BigInt(epoch) * 10_000n) / BigInt(epochs));
}

/** The proof hash a partial settlement records on chain (never all zeros). */
export function partialProofHash(jobId: string, progress: Pick<VerifiedProgress, "sha256"> | null): string {
  if (progress !== null) return progress.sha256;
  return createHash("sha256").update(`cyxwiz:no-verified-checkpoint:${jobId}`).digest("hex");
}

/** Unix ms by which a job accepted at `acceptedAt` must be done. */
export function runDeadline(acceptedAt: number, maxDurationSecs: number): number {
  return acceptedAt + maxDurationSecs * 1_000;
}
