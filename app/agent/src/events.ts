/**
 * What the agent tells its caller: one typed event per thing that happened, in order.
 * The CLI prints them (or writes them as --json lines); tests assert on them.
 */
import type { GpuInfo } from "./gpu";

export interface OfferInfo {
  readonly jobId: string;
  readonly escrow: string;
  readonly datasetCid: string;
  readonly config: Record<string, unknown>;
  /** Token base units, decimal. */
  readonly payment: string;
  readonly gpuMicroHours: string;
  /** unix ms */
  readonly acceptBy: number;
  readonly jobToken?: string;
  /** A verified checkpoint an earlier run of this job left (another node's): continue from it. */
  readonly resumeFrom?: OfferedCheckpoint;
}

export interface OfferedCheckpoint {
  readonly cid: string;
  readonly sha256: string;
  /** Epochs done in it. */
  readonly epoch: number;
  readonly epochs: number;
}

export type AgentEvent =
  | { type: "registered"; nodeId: string; gpu: GpuInfo; priceFloor: string; node: Record<string, unknown> }
  | { type: "beat"; jobId: string | null; progress: number | null; nextBeatInMs: number }
  | { type: "offer"; offer: OfferInfo; kind: string | null }
  | { type: "offer-refused"; jobId: string; kind: string | null; reason: string }
  | { type: "accepted"; jobId: string; kind: string }
  | { type: "dataset-fetched"; jobId: string; cid: string; bytes: number; sha256: string }
  | {
      type: "epoch";
      jobId: string;
      epoch: number;
      epochs: number;
      loss: number;
      accuracy: number;
      validationLoss: number;
      validationAccuracy: number;
      elapsedMs: number;
    }
  | { type: "checkpoint-uploaded"; jobId: string; epoch: number; epochs: number; cid: string; sha256: string; announced: boolean }
  | { type: "weights-uploaded"; jobId: string; cid: string; sha256: string; bytes: number }
  | { type: "reported"; jobId: string; weightsCid: string; weightsSha256: string; metrics: Record<string, number>; status: string | null }
  | { type: "cancelled"; jobId: string; reason: string }
  | { type: "job-lost"; jobId: string; reason: string }
  /** abandoned: the coordinator took the job back at the node's word (POST /v1/jobs/:id/fail). */
  | { type: "job-failed"; jobId: string; reason: string; fault: "node" | "job"; abandoned: boolean }
  | { type: "coordinator-unreachable"; error: string; retryInMs: number }
  | { type: "coordinator-back"; downForMs: number }
  | { type: "error"; error: string; code: string; jobId?: string; fatal: boolean }
  | { type: "stopped"; reason: string };

export type AgentEventType = AgentEvent["type"];

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface AgentHooks {
  /** Every event, in order. Exceptions thrown here are caught and logged, never fatal. */
  readonly onEvent?: (event: AgentEvent) => void;
  /** Lines for a log (debug: protocol details, e.g. an endpoint the coordinator lacks). */
  readonly onLog?: (level: LogLevel, message: string) => void;
}
