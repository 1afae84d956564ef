/**
 * How much work a training job is, before it runs: GPU-hours on the reference GPU
 * (RTX_3060, multiplier 1.0) and the VRAM it needs at least.
 *
 *   tokens per epoch  = tokens
 *                     | ceil(bytes / bytesPerToken)
 *                     | samples × tokensPerSample
 *   training FLOPs    = 6 × parameters × tokens per epoch × epochs
 *                       (2 FLOPs per parameter per token forward, 4 backward)
 *   GPU-hours         = training FLOPs / (reference FLOP/s × 3600),
 *                       carried as micro-GPU-hours, rounded up
 *   minimum VRAM (GB) = ceil(parameters × bytesPerParameter / 2^20) / 1024
 *                       (fp32 weights, gradients and two Adam moments: 16 bytes;
 *                       rounded up to the MiB and said in GB, so a toy job needs
 *                       0.0009765625 GB, not a whole GB, and fits a CPU node's 2 GB)
 *
 * Every step is integer arithmetic rounded up, so the estimate never decreases when
 * parameters, data or epochs grow. It is an estimate to price with, not a promise of
 * wall time: the GPU-hours are the reference GPU's, whatever GPU runs the job.
 */
import { CoordinatorError } from "./errors";
import { ceilDiv, MICRO_HOURS_PER_HOUR, nonNegativeInteger } from "./money";

export type DatasetSize =
  | { readonly kind: "tokens"; readonly tokens: number }
  | { readonly kind: "bytes"; readonly bytes: number }
  | { readonly kind: "samples"; readonly samples: number; readonly tokensPerSample?: number };

export interface Workload {
  readonly modelParameters: number;
  readonly dataset: DatasetSize;
  readonly epochs: number;
}

export interface WorkloadConfig {
  /** Sustained training throughput of the reference GPU, FLOP/s (an integer). */
  readonly referenceFlopsPerSecond: number;
  /** Bytes of raw dataset per token. */
  readonly bytesPerToken: number;
  /** Tokens one sample counts for when the client does not say. */
  readonly defaultTokensPerSample: number;
  /** Training memory per parameter, bytes. */
  readonly bytesPerParameter: number;
}

export const DEFAULT_WORKLOAD_CONFIG: WorkloadConfig = {
  // An RTX_3060 peaks near 12.7 TFLOP/s fp32; training sustains about 40% of that.
  referenceFlopsPerSecond: 5_000_000_000_000,
  bytesPerToken: 4,
  defaultTokensPerSample: 256,
  bytesPerParameter: 16,
};

export const FLOPS_PER_PARAMETER_TOKEN = 6n;
const SECONDS_PER_HOUR = 3_600n;
const BYTES_PER_MIB = 1n << 20n;
const MIB_PER_GB = 1024;

export interface WorkloadEstimate {
  readonly tokensPerEpoch: bigint;
  readonly trainingFlops: bigint;
  /** Reference-GPU micro-hours, rounded up: what prices are computed from. */
  readonly gpuMicroHours: bigint;
  /** The same for people: `gpuMicroHours / 1e6`. */
  readonly estimatedGpuHours: number;
  /** GB (GiB), a multiple of 1/1024 (whole MiB): exact as a float, never 0. */
  readonly minVramGb: number;
}

export type WorkloadErrorCode = "INVALID_WORKLOAD";

export class WorkloadError extends CoordinatorError<WorkloadErrorCode> {}

function positive(value: number, what: string): bigint {
  let integer: bigint;
  try {
    integer = nonNegativeInteger(value, what);
  } catch {
    throw new WorkloadError("INVALID_WORKLOAD", `${what} must be a positive integer, got ${value}`);
  }
  if (integer === 0n) throw new WorkloadError("INVALID_WORKLOAD", `${what} must be a positive integer, got 0`);
  return integer;
}

export function tokensPerEpoch(dataset: DatasetSize, config: WorkloadConfig = DEFAULT_WORKLOAD_CONFIG): bigint {
  switch (dataset.kind) {
    case "tokens":
      return positive(dataset.tokens, "dataset.tokens");
    case "bytes":
      return ceilDiv(positive(dataset.bytes, "dataset.bytes"), positive(config.bytesPerToken, "bytesPerToken"));
    case "samples":
      return (
        positive(dataset.samples, "dataset.samples") *
        positive(dataset.tokensPerSample ?? config.defaultTokensPerSample, "dataset.tokensPerSample")
      );
  }
}

export function estimateWorkload(workload: Workload, config: WorkloadConfig = DEFAULT_WORKLOAD_CONFIG): WorkloadEstimate {
  const parameters = positive(workload.modelParameters, "modelParameters");
  const epochs = positive(workload.epochs, "epochs");
  const tokens = tokensPerEpoch(workload.dataset, config);
  const trainingFlops = FLOPS_PER_PARAMETER_TOKEN * parameters * tokens * epochs;
  const flopsPerHour = positive(config.referenceFlopsPerSecond, "referenceFlopsPerSecond") * SECONDS_PER_HOUR;
  // Every input is ≥ 1, so this is ≥ 1: no job is free.
  const gpuMicroHours = ceilDiv(trainingFlops * MICRO_HOURS_PER_HOUR, flopsPerHour);
  const vramBytes = parameters * positive(config.bytesPerParameter, "bytesPerParameter");
  return {
    tokensPerEpoch: tokens,
    trainingFlops,
    gpuMicroHours,
    estimatedGpuHours: Number(gpuMicroHours) / Number(MICRO_HOURS_PER_HOUR),
    minVramGb: Number(ceilDiv(vramBytes, BYTES_PER_MIB)) / MIB_PER_GB,
  };
}
