/**
 * A job as the store keeps it: the submission's facts (fixed at submit), the domain
 * JobState (status, node, attempts, exclusions, proof, history) and the bookkeeping
 * the scripts maintain (version, progress, offer deadline).
 *
 * Hash job:{id}: jobId client escrow quoteId datasetCid config priority amount feeBps
 * maxPrice gpuMicroHours minVramGb gpuModels submittedAt urgency maxAttempts | status
 * nodeId attempts proof metrics nodeShareBps settlementSignature | version updatedAt
 * progress progressAt offerDeadline reportedAt verifyAttempts verification | maxDurationSecs
 * settleBy runningSince jobToken jobTokenNode verifiedProgress settleProofHash cancelledTo resumeEpoch. The history
 * list, the excluded set and the checkpoints hash are separate keys (keys.ts).
 */
import type { VerifiedProgress } from "../domain/checkpoints";
import { JOB_STATUSES, type JobState, type JobStatus, type TransitionRecord, type WeightsProof } from "../domain/job-state";
import type { ProofVerdict } from "../domain/proof-verdict";
import { PRIORITIES, type Priority } from "../domain/priority";
import { type Hash, hashArgs, HashReader, StoreFormatError } from "./codec";

/** What a submission fixes about a job. */
export interface JobSpec {
  readonly jobId: string;
  /** The client's wallet: the escrow's payer and the only one who may read the job. */
  readonly client: string;
  readonly escrow: string;
  readonly quoteId: string;
  readonly datasetCid: string;
  /** The training configuration for the node, JSON text as the client sent it. */
  readonly config: string;
  readonly priority: Priority;
  /** What the escrow holds, base units. */
  readonly amount: bigint;
  /** The escrow's fee, basis points. */
  readonly feeBps: number;
  /** What a release pays the node: the budget nodes are matched against. */
  readonly maxPrice: bigint;
  readonly gpuMicroHours: bigint;
  readonly minVramGb: number;
  /** Allowed GPU models; empty means any. */
  readonly gpuModels: readonly string[];
  readonly submittedAt: number;
  readonly maxAttempts: number;
  /** How long the job may run once accepted before it times out (settle by verified progress). */
  readonly maxDurationSecs: number;
  /**
   * The last moment (unix ms) the job may still be running: its escrow's expiry minus
   * escrow.settleMarginSecs, so its settlement lands before the escrow expires. 0: none.
   */
  readonly settleBy: number;
}

export interface StoredJob extends JobSpec {
  readonly state: JobState;
  /** Bumped by every change of `state`: the compare-and-set token of the scripts. */
  readonly version: number;
  readonly updatedAt: number;
  /** The running node's last reported progress, 0..1. */
  readonly progress: number | null;
  readonly offerDeadline: number | null;
  /** The metrics the node reported with its proof, JSON text. */
  readonly metrics: string | null;
  /** Proof checks that ended in a transient failure so far (the next check is attempt + 1). */
  readonly verifyAttempts: number;
  /** The latest verdict on the proof (a retry, or the final one). */
  readonly verification: ProofVerdict | null;
  /** When the running node accepted the job (unix ms); its run deadline counts from here. */
  readonly runningSince: number | null;
  /** The job-scoped token of the current offer and the node it was issued to. */
  readonly jobToken: string | null;
  readonly jobTokenNode: string | null;
  /** The highest verified checkpoint of the current run. */
  readonly verifiedProgress: VerifiedProgress | null;
  /** The epoch the current offer / run resumed from (its resumeFrom), 0 when from scratch. */
  readonly resumeEpoch: number;
  /** The proof hash of the partial settlement (timed out, cancelled while running). */
  readonly settleProofHash: string | null;
  /** The status a client's cancel moved the job to: what a repeated cancel answers. */
  readonly cancelledTo: JobStatus | null;
}

/** The HSET arguments of a newly submitted, queued job. */
export function newJobFields(spec: JobSpec, urgency: number, now: number): string[] {
  return hashArgs({
    jobId: spec.jobId,
    client: spec.client,
    escrow: spec.escrow,
    quoteId: spec.quoteId,
    datasetCid: spec.datasetCid,
    config: spec.config,
    priority: spec.priority,
    amount: spec.amount.toString(),
    feeBps: spec.feeBps,
    maxPrice: spec.maxPrice.toString(),
    gpuMicroHours: spec.gpuMicroHours.toString(),
    minVramGb: spec.minVramGb,
    gpuModels: JSON.stringify(spec.gpuModels),
    submittedAt: spec.submittedAt,
    urgency,
    maxAttempts: spec.maxAttempts,
    status: "queued",
    nodeId: "",
    attempts: 0,
    proof: "",
    metrics: "",
    nodeShareBps: "",
    settlementSignature: "",
    version: 0,
    updatedAt: now,
    progress: "",
    offerDeadline: "",
    verifyAttempts: 0,
    verification: "",
    maxDurationSecs: spec.maxDurationSecs,
    settleBy: spec.settleBy,
    runningSince: "",
    jobToken: "",
    jobTokenNode: "",
    verifiedProgress: "",
    settleProofHash: "",
    cancelledTo: "",
  });
}

function stringArray(key: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === "string")) {
    throw new StoreFormatError(key, field, JSON.stringify(value));
  }
  return value;
}

function proofOf(key: string, value: unknown): WeightsProof {
  const proof = value as Partial<WeightsProof> | null;
  if (proof === null || typeof proof.weightsCid !== "string" || typeof proof.weightsSha256 !== "string") {
    throw new StoreFormatError(key, "proof", JSON.stringify(value));
  }
  return { weightsCid: proof.weightsCid, weightsSha256: proof.weightsSha256 };
}

function verdictOf(key: string, value: unknown): ProofVerdict {
  const verdict = value as { outcome?: unknown } | null;
  if (verdict === null || typeof verdict !== "object" || !["verified", "rejected", "retry"].includes(String(verdict.outcome))) {
    throw new StoreFormatError(key, "verification", JSON.stringify(value));
  }
  return value as ProofVerdict;
}

function progressOf(key: string, value: unknown): VerifiedProgress {
  const progress = value as Partial<VerifiedProgress> | null;
  if (
    progress === null ||
    typeof progress !== "object" ||
    !Number.isSafeInteger(progress.epoch) ||
    !Number.isSafeInteger(progress.epochs) ||
    typeof progress.cid !== "string" ||
    typeof progress.sha256 !== "string"
  ) {
    throw new StoreFormatError(key, "verifiedProgress", JSON.stringify(value));
  }
  const { epoch, epochs, cid, sha256 } = progress as VerifiedProgress;
  return { epoch, epochs, fraction: epoch / epochs, cid, sha256 };
}

function historyOf(key: string, entries: readonly string[]): TransitionRecord[] {
  return entries.map((entry) => {
    const record = JSON.parse(entry) as TransitionRecord;
    if (typeof record !== "object" || record === null || typeof record.to !== "string" || typeof record.at !== "number") {
      throw new StoreFormatError(key, "history", entry);
    }
    return record;
  });
}

/** The stored job from its hash, history list and excluded set. */
export function decodeJob(key: string, hash: Hash, history: readonly string[], excluded: readonly string[]): StoredJob {
  const read = new HashReader(key, hash);
  const jobId = read.string("jobId");
  const proofText = read.optionalString("proof");
  const state: JobState = {
    jobId,
    status: read.oneOf("status", JOB_STATUSES),
    nodeId: read.optionalString("nodeId"),
    attempts: read.integer("attempts"),
    maxAttempts: read.integer("maxAttempts"),
    excludedNodes: [...excluded].sort(),
    proof: proofText === null ? null : proofOf(key, read.json("proof")),
    nodeShareBps: read.optionalInteger("nodeShareBps"),
    settlementSignature: read.optionalString("settlementSignature"),
    history: historyOf(key, history),
  };
  return {
    jobId,
    client: read.string("client"),
    escrow: read.string("escrow"),
    quoteId: read.string("quoteId"),
    datasetCid: read.string("datasetCid"),
    config: read.string("config"),
    priority: read.oneOf("priority", PRIORITIES),
    amount: read.bigint("amount"),
    feeBps: read.integer("feeBps"),
    maxPrice: read.bigint("maxPrice"),
    gpuMicroHours: read.bigint("gpuMicroHours"),
    minVramGb: read.number("minVramGb"),
    gpuModels: stringArray(key, "gpuModels", read.json("gpuModels")),
    submittedAt: read.integer("submittedAt"),
    maxAttempts: state.maxAttempts,
    state,
    version: read.integer("version"),
    updatedAt: read.integer("updatedAt"),
    progress: read.optionalNumber("progress"),
    offerDeadline: read.optionalInteger("offerDeadline"),
    metrics: read.optionalString("metrics"),
    verifyAttempts: read.counter("verifyAttempts"),
    verification: read.optionalString("verification") === null ? null : verdictOf(key, read.json("verification")),
    // Jobs stored before timeouts existed have no maxDurationSecs: they never time out.
    maxDurationSecs: read.optionalInteger("maxDurationSecs") ?? 0,
    settleBy: read.optionalInteger("settleBy") ?? 0,
    runningSince: read.optionalInteger("runningSince"),
    jobToken: read.optionalString("jobToken"),
    jobTokenNode: read.optionalString("jobTokenNode"),
    verifiedProgress: read.optionalString("verifiedProgress") === null ? null : progressOf(key, read.json("verifiedProgress")),
    settleProofHash: read.optionalString("settleProofHash"),
    resumeEpoch: read.optionalInteger("resumeEpoch") ?? 0,
    cancelledTo: read.optionalString("cancelledTo") === null ? null : read.oneOf("cancelledTo", JOB_STATUSES),
  };
}

/** The record a transition appended: the last of the new state's history. */
export function lastRecord(state: JobState): string {
  return JSON.stringify(state.history[state.history.length - 1]);
}
