/**
 * Nodes as the matcher sees them: a registration checked into a record, and a round's
 * index of free nodes. Free nodes sit in one bucket per GPU model, ordered by price
 * floor, so a job looks only at the models it allows and stops at the first node it
 * cannot afford.
 */
import { CoordinatorError } from "./errors";
import { type GpuCatalogue, type GpuModel, type NodeClass, nodeClassFor } from "./gpu";
import { isPublicKey } from "./public-key";

export type NodeState = "online" | "busy" | "offline";

export interface NodeRegistration {
  /** The node's wallet: a base58 public key. */
  readonly nodeId: string;
  readonly gpuModel: string;
  /** VRAM of one GPU, GB. */
  readonly vramGb: number;
  readonly gpuCount: number;
  /** The least the node accepts per reference-GPU-hour of work, base units. */
  readonly priceFloor: bigint;
  /** 0..1, from reliability.ts. */
  readonly reliability: number;
}

export type NodePoolErrorCode = "INVALID_NODE";

export class NodePoolError extends CoordinatorError<NodePoolErrorCode> {}

/** A checked node with what matching and explaining derive from it. */
export interface NodeRecord {
  readonly nodeId: string;
  readonly gpuModel: GpuModel;
  readonly vramGb: number;
  readonly nodeClass: NodeClass;
  readonly gpuCount: number;
  readonly priceFloor: bigint;
  /** `priceFloor` as a number, for scoring only. */
  readonly priceFloorApprox: number;
  readonly reliability: number;
  readonly connected: boolean;
  readonly jobId: string | null;
}

/** Where a node stands: by default online and free, as every node a round matches. */
export interface NodeStanding {
  readonly connected: boolean;
  readonly jobId: string | null;
}

const FREE: NodeStanding = { connected: true, jobId: null };

/** Checks a registration: throws NodePoolError (INVALID_NODE) or GpuError (UNKNOWN_GPU_MODEL). */
export function nodeRecord(registration: NodeRegistration, catalogue: GpuCatalogue, standing = FREE): NodeRecord {
  if (!isPublicKey(registration.nodeId)) {
    throw new NodePoolError("INVALID_NODE", `node id ${JSON.stringify(registration.nodeId)} is not a wallet public key`);
  }
  if (!Number.isSafeInteger(registration.gpuCount) || registration.gpuCount < 1) {
    throw new NodePoolError("INVALID_NODE", `gpuCount must be a positive integer, got ${registration.gpuCount}`);
  }
  if (registration.priceFloor < 0n) {
    throw new NodePoolError("INVALID_NODE", `priceFloor must be ≥ 0, got ${registration.priceFloor}`);
  }
  if (!(registration.reliability >= 0 && registration.reliability <= 1)) {
    throw new NodePoolError("INVALID_NODE", `reliability must be in 0..1, got ${registration.reliability}`);
  }
  const gpu = catalogue.get(registration.gpuModel);
  return {
    nodeId: registration.nodeId,
    gpuModel: gpu.model,
    vramGb: registration.vramGb,
    nodeClass: nodeClassFor(gpu.model, registration.vramGb),
    gpuCount: registration.gpuCount,
    priceFloor: registration.priceFloor,
    priceFloorApprox: Number(registration.priceFloor),
    reliability: registration.reliability,
    connected: standing.connected,
    jobId: standing.jobId,
  };
}

function byPriceThenId(a: NodeRecord, b: NodeRecord): number {
  if (a.priceFloor !== b.priceFloor) return a.priceFloor < b.priceFloor ? -1 : 1;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/** One round's free nodes, per GPU model and cheapest first; a node leaves once it takes a job. */
export class FreeNodes {
  private readonly buckets = new Map<GpuModel, NodeRecord[]>();
  private total = 0;

  constructor(nodes: Iterable<NodeRecord>) {
    for (const node of nodes) {
      const bucket = this.buckets.get(node.gpuModel);
      if (bucket === undefined) this.buckets.set(node.gpuModel, [node]);
      else bucket.push(node);
      this.total += 1;
    }
    for (const bucket of this.buckets.values()) bucket.sort(byPriceThenId);
  }

  get size(): number {
    return this.total;
  }

  models(): IterableIterator<GpuModel> {
    return this.buckets.keys();
  }

  /** Free nodes of `model`, cheapest first; the array is live, do not keep it. */
  ofModel(model: GpuModel): readonly NodeRecord[] | undefined {
    return this.buckets.get(model);
  }

  take(node: NodeRecord): void {
    const bucket = this.buckets.get(node.gpuModel);
    const index = bucket === undefined ? -1 : bucket.indexOf(node);
    if (bucket === undefined || index < 0) return;
    bucket.splice(index, 1);
    if (bucket.length === 0) this.buckets.delete(node.gpuModel);
    this.total -= 1;
  }
}
