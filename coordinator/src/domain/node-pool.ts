/**
 * The registered nodes and the index of free ones. A node is free when it is online
 * and holds no job; free nodes sit in one bucket per GPU model, ordered by price floor,
 * so a job looks only at the models it allows and stops at the first node it cannot
 * afford.
 */
import { CoordinatorError } from "./errors";
import { GpuCatalogue, GpuModel, NodeClass, nodeClassFor } from "./gpu";
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

export interface NodeView extends NodeRegistration {
  readonly gpuModel: GpuModel;
  readonly nodeClass: NodeClass;
  readonly state: NodeState;
  readonly jobId: string | null;
}

export type NodePoolErrorCode = "INVALID_NODE" | "UNKNOWN_NODE";

export class NodePoolError extends CoordinatorError<NodePoolErrorCode> {}

/** The pool's own record; exported for the matcher, never handed out. */
export interface NodeRecord {
  readonly nodeId: string;
  gpuModel: GpuModel;
  vramGb: number;
  nodeClass: NodeClass;
  gpuCount: number;
  priceFloor: bigint;
  /** `priceFloor` as a number, for scoring only. */
  priceFloorApprox: number;
  reliability: number;
  connected: boolean;
  jobId: string | null;
}

function stateOf(node: NodeRecord): NodeState {
  if (!node.connected) return "offline";
  return node.jobId === null ? "online" : "busy";
}

function byPriceThenId(a: NodeRecord, b: NodeRecord): number {
  if (a.priceFloor !== b.priceFloor) return a.priceFloor < b.priceFloor ? -1 : 1;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

export function checkReliability(reliability: number): number {
  if (!(reliability >= 0 && reliability <= 1)) {
    throw new NodePoolError("INVALID_NODE", `reliability must be in 0..1, got ${reliability}`);
  }
  return reliability;
}

export class NodePool {
  private readonly nodes = new Map<string, NodeRecord>();
  /** Free nodes per GPU model, cheapest first. */
  private readonly free = new Map<GpuModel, NodeRecord[]>();
  private freeTotal = 0;

  constructor(private readonly catalogue: GpuCatalogue) {}

  get size(): number {
    return this.nodes.size;
  }

  get freeCount(): number {
    return this.freeTotal;
  }

  /** Registers a node, or updates its hardware and price; a registering node is online. */
  register(registration: NodeRegistration): NodeView {
    if (!isPublicKey(registration.nodeId)) {
      throw new NodePoolError("INVALID_NODE", `node id ${JSON.stringify(registration.nodeId)} is not a wallet public key`);
    }
    if (!Number.isSafeInteger(registration.gpuCount) || registration.gpuCount < 1) {
      throw new NodePoolError("INVALID_NODE", `gpuCount must be a positive integer, got ${registration.gpuCount}`);
    }
    if (registration.priceFloor < 0n) {
      throw new NodePoolError("INVALID_NODE", `priceFloor must be ≥ 0, got ${registration.priceFloor}`);
    }
    checkReliability(registration.reliability);
    const gpu = this.catalogue.get(registration.gpuModel);
    const nodeClass = nodeClassFor(gpu.model, registration.vramGb);

    const existing = this.nodes.get(registration.nodeId);
    if (existing !== undefined) this.leaveFreeIndex(existing);
    const node: NodeRecord = existing ?? {
      nodeId: registration.nodeId,
      gpuModel: gpu.model,
      vramGb: 0,
      nodeClass,
      gpuCount: 1,
      priceFloor: 0n,
      priceFloorApprox: 0,
      reliability: 0,
      connected: true,
      jobId: null,
    };
    node.gpuModel = gpu.model;
    node.vramGb = registration.vramGb;
    node.nodeClass = nodeClass;
    node.gpuCount = registration.gpuCount;
    node.priceFloor = registration.priceFloor;
    node.priceFloorApprox = Number(registration.priceFloor);
    node.reliability = registration.reliability;
    node.connected = true;
    this.nodes.set(node.nodeId, node);
    this.enterFreeIndexIfFree(node);
    return this.view(node);
  }

  /** Forgets a node; returns the job it held, if any. */
  remove(nodeId: string): string | null {
    const node = this.record(nodeId);
    this.leaveFreeIndex(node);
    this.nodes.delete(nodeId);
    return node.jobId;
  }

  setConnected(nodeId: string, connected: boolean): NodeRecord {
    const node = this.record(nodeId);
    this.leaveFreeIndex(node);
    node.connected = connected;
    this.enterFreeIndexIfFree(node);
    return node;
  }

  setReliability(nodeId: string, reliability: number): void {
    this.record(nodeId).reliability = checkReliability(reliability);
  }

  /** Gives a free node a job; it leaves the free index. */
  occupy(node: NodeRecord, jobId: string): void {
    this.leaveFreeIndex(node);
    node.jobId = jobId;
  }

  /** The node's job is over; if online, the node is free again. */
  vacate(nodeId: string, jobId: string): void {
    const node = this.nodes.get(nodeId);
    if (node === undefined || node.jobId !== jobId) return;
    node.jobId = null;
    this.enterFreeIndexIfFree(node);
  }

  find(nodeId: string): NodeRecord | undefined {
    return this.nodes.get(nodeId);
  }

  record(nodeId: string): NodeRecord {
    const node = this.nodes.get(nodeId);
    if (node === undefined) throw new NodePoolError("UNKNOWN_NODE", `unknown node ${nodeId}`);
    return node;
  }

  all(): IterableIterator<NodeRecord> {
    return this.nodes.values();
  }

  /** Free nodes of `model`, cheapest first; the array is live, do not keep it. */
  freeOfModel(model: GpuModel): readonly NodeRecord[] | undefined {
    return this.free.get(model);
  }

  freeModels(): IterableIterator<GpuModel> {
    return this.free.keys();
  }

  view(node: NodeRecord): NodeView {
    return {
      nodeId: node.nodeId,
      gpuModel: node.gpuModel,
      vramGb: node.vramGb,
      gpuCount: node.gpuCount,
      priceFloor: node.priceFloor,
      reliability: node.reliability,
      nodeClass: node.nodeClass,
      state: stateOf(node),
      jobId: node.jobId,
    };
  }

  private isFree(node: NodeRecord): boolean {
    return node.connected && node.jobId === null;
  }

  private enterFreeIndexIfFree(node: NodeRecord): void {
    if (!this.isFree(node)) return;
    let bucket = this.free.get(node.gpuModel);
    if (bucket === undefined) {
      bucket = [];
      this.free.set(node.gpuModel, bucket);
    }
    let low = 0;
    let high = bucket.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byPriceThenId(bucket[middle], node) < 0) low = middle + 1;
      else high = middle;
    }
    bucket.splice(low, 0, node);
    this.freeTotal += 1;
  }

  private leaveFreeIndex(node: NodeRecord): void {
    if (!this.isFree(node)) return;
    const bucket = this.free.get(node.gpuModel);
    const index = bucket === undefined ? -1 : bucket.indexOf(node);
    if (bucket === undefined || index < 0) return;
    bucket.splice(index, 1);
    if (bucket.length === 0) this.free.delete(node.gpuModel);
    this.freeTotal -= 1;
  }
}
