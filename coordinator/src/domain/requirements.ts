/**
 * What a job needs from a node, and whether a node has it (price and state aside).
 *
 * Memory is in GB (GiB) at MiB granularity: a job's minimum (workload.ts) is a whole
 * number of MiB, and a client's minimum is rounded up to the next MiB, so requirements
 * that differ by less than a MiB are the same requirements. A node's memory is its
 * VRAM, or for a CPU node the system memory it dedicates to jobs (gpu.ts).
 */
import { CoordinatorError } from "./errors";
import { assertVramGb, type GpuModel, NODE_CLASSES, type NodeClass, normaliseGpuModel } from "./gpu";

export interface JobRequirements {
  readonly minVramGb: number;
  /** Allowed GPU models; absent or empty means any model. */
  readonly gpuModels?: readonly GpuModel[];
  /** Allowed node classes (VRAM tiers); absent or empty means any class. */
  readonly nodeClasses?: readonly NodeClass[];
}

export interface NormalisedRequirements {
  readonly minVramGb: number;
  readonly gpuModels: ReadonlySet<GpuModel> | null;
  readonly nodeClasses: ReadonlySet<NodeClass> | null;
  /** Equal keys mean equal requirements. */
  readonly key: string;
}

/** The hardware side of a node that requirements are checked against. */
export interface NodeHardware {
  readonly gpuModel: GpuModel;
  readonly vramGb: number;
  readonly nodeClass: NodeClass;
}

/** Why a node's hardware cannot run a job. */
export type HardwareMisfit = "gpu-not-allowed" | "vram-too-small";

export type RequirementsErrorCode = "INVALID_NODE_CLASS";

export class RequirementsError extends CoordinatorError<RequirementsErrorCode> {}

const MIB_PER_GB = 1024;

/** `gb` rounded up to a whole number of MiB, in GB (exact: a multiple of 1/1024). */
export function ceilToMib(gb: number): number {
  return Math.ceil(assertVramGb(gb, "minVramGb") * MIB_PER_GB) / MIB_PER_GB;
}

export function normaliseRequirements(requirements: JobRequirements): NormalisedRequirements {
  const minVramGb = ceilToMib(requirements.minVramGb);
  const models = [...new Set((requirements.gpuModels ?? []).map(normaliseGpuModel))].sort();
  const classes = [...new Set(requirements.nodeClasses ?? [])].sort();
  for (const nodeClass of classes) {
    if (!(NODE_CLASSES as readonly string[]).includes(nodeClass)) {
      throw new RequirementsError("INVALID_NODE_CLASS", `unknown node class ${JSON.stringify(nodeClass)}`);
    }
  }
  return {
    minVramGb,
    gpuModels: models.length === 0 ? null : new Set(models),
    nodeClasses: classes.length === 0 ? null : new Set(classes),
    key: `${minVramGb}|${models.join(",")}|${classes.join(",")}`,
  };
}

/** The first reason `node` cannot run a job with `requirements`, or null when it can. */
export function hardwareMisfit(node: NodeHardware, requirements: NormalisedRequirements): HardwareMisfit | null {
  if (requirements.gpuModels !== null && !requirements.gpuModels.has(node.gpuModel)) return "gpu-not-allowed";
  if (requirements.nodeClasses !== null && !requirements.nodeClasses.has(node.nodeClass)) return "gpu-not-allowed";
  if (node.vramGb < requirements.minVramGb) return "vram-too-small";
  return null;
}
