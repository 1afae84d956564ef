/**
 * Job kinds the agent can run. An offer whose config names a kind without an executor
 * here is refused (never accepted), and so is one its executor's `check` refuses.
 */
import type { OfferInfo } from "./events";

export interface JobOutcome {
  /** Exactly the bytes uploaded to IPFS and hashed. */
  readonly weights: Uint8Array;
  /** Claimed metrics; the coordinator re-evaluates them for kinds it knows. */
  readonly metrics: Record<string, number>;
}

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
  readonly elapsedMs: number;
}

/** What the agent gives an executor for one job. */
export interface JobContext {
  readonly offer: OfferInfo;
  /** The job's own directory (created empty, deleted when the job ends). */
  readonly dir: string;
  /** Aborted on cancellation, loss of the job or shutdown: stop promptly. */
  readonly signal: AbortSignal;
  /** The dataset's bytes (from IPFS by offer.datasetCid, retried on transient failures). */
  fetchDataset(): Promise<Uint8Array>;
  /** Progress 0..1, sent with the next heartbeat. */
  progress(fraction: number): void;
  epoch(report: EpochReport): void;
  /** A checkpoint after `epoch` of `epochs`: kept on disk, uploaded and announced as configured. */
  checkpoint(bytes: Uint8Array, epoch: number, epochs: number): Promise<void>;
  /** A checkpoint kept from an earlier run of this job, if any. */
  readonly resumeFrom?: Uint8Array;
  /**
   * The bytes of the offer's resumeFrom (an earlier run's verified checkpoint) from IPFS,
   * their sha256 checked; null, with the reason logged, when the offer has none or they
   * cannot be read or do not match.
   */
  fetchOfferedCheckpoint(): Promise<Uint8Array | null>;
  log(message: string): void;
}

export interface JobExecutor {
  readonly kind: string;
  /** Why this offer cannot be run here, or null to accept it. */
  check(offer: OfferInfo): Promise<string | null>;
  run(context: JobContext): Promise<JobOutcome>;
}

export function kindOf(config: Record<string, unknown>): string | null {
  return typeof config?.kind === "string" ? config.kind : null;
}

/** A failure that is the job's, not the node's: its command failed, its spec or data cannot train. */
export class JobFaultError extends Error {
  readonly fault = "job";
}

/** Whose fault a failed run is, as the node tells the coordinator. */
export function faultOf(error: unknown): "node" | "job" {
  if (error instanceof JobFaultError) return "job";
  const code = (error as { code?: unknown; name?: unknown })?.code;
  // The trainer's own verdict (trainer/src/errors.ts): the spec or the dataset is the client's.
  return error instanceof Error && (code === "SPEC_INVALID" || code === "DATASET_INVALID") ? "job" : "node";
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
