/**
 * A node as the store keeps it (hash node:{wallet}): what it registered, whether it is
 * online, the job it holds and the offer waiting for it, and the counters its
 * reliability score is computed from.
 */
import { NODE_CLASSES, type NodeClass } from "../domain/gpu";
import type { NodeRecord } from "../domain/node-pool";
import { expectedHeartbeats, type ReliabilityFacts, reliabilityScore, type ReliabilityScore } from "../domain/reliability";
import { type Hash, HashReader } from "./codec";

export interface StoredNode {
  readonly nodeId: string;
  readonly gpuModel: string;
  readonly vramGb: number;
  readonly nodeClass: NodeClass;
  readonly gpuCount: number;
  readonly priceFloor: bigint;
  readonly registeredAt: number;
  readonly updatedAt: number;
  readonly online: boolean;
  readonly lastSeen: number;
  /** Times the node came (back) online, registration included. */
  readonly sessions: number;
  /** The job offered to it or running on it. */
  readonly jobId: string | null;
  /** The published offer (JSON) its next heartbeat returns. */
  readonly offer: string | null;
  readonly beats: number;
  readonly latencySumMs: number;
  readonly latencySamples: number;
  readonly jobsAccepted: number;
  readonly jobsAbandoned: number;
  readonly offersExpired: number;
  readonly proofsVerified: number;
  readonly proofsRejected: number;
}

export function decodeNode(key: string, hash: Hash): StoredNode {
  const read = new HashReader(key, hash);
  return {
    nodeId: read.string("nodeId"),
    gpuModel: read.string("gpuModel"),
    vramGb: read.number("vramGb"),
    nodeClass: read.oneOf("nodeClass", NODE_CLASSES),
    gpuCount: read.integer("gpuCount"),
    priceFloor: read.bigint("priceFloor"),
    registeredAt: read.integer("registeredAt"),
    updatedAt: read.integer("updatedAt"),
    online: read.string("online") === "1",
    lastSeen: read.integer("lastSeen"),
    sessions: read.counter("sessions"),
    jobId: read.optionalString("jobId"),
    offer: read.optionalString("offer"),
    beats: read.counter("beats"),
    latencySumMs: read.counter("latencySumMs"),
    latencySamples: read.counter("latencySamples"),
    jobsAccepted: read.counter("jobsAccepted"),
    jobsAbandoned: read.counter("jobsAbandoned"),
    offersExpired: read.counter("offersExpired"),
    proofsVerified: read.counter("proofsVerified"),
    proofsRejected: read.counter("proofsRejected"),
  };
}

/** The facts reliability.ts scores, over the node's life since it registered. */
export function reliabilityFacts(node: StoredNode, now: number, heartbeatIntervalMs: number): ReliabilityFacts {
  return {
    heartbeatsExpected: expectedHeartbeats(Math.max(0, now - node.registeredAt), heartbeatIntervalMs),
    heartbeatsReceived: node.beats,
    jobsAccepted: node.jobsAccepted,
    jobsAbandoned: Math.min(node.jobsAbandoned, node.jobsAccepted),
    offersExpired: node.offersExpired,
    proofsVerified: node.proofsVerified,
    proofsRejected: node.proofsRejected,
    meanHeartbeatLatencyMs: node.latencySamples === 0 ? 0 : node.latencySumMs / node.latencySamples,
    latencySamples: node.latencySamples,
  };
}

export function nodeReliability(node: StoredNode, now: number, heartbeatIntervalMs: number): ReliabilityScore {
  return reliabilityScore(reliabilityFacts(node, now, heartbeatIntervalMs));
}

/** The matcher's view of a stored node (availability.ts explains over these). */
export function matcherRecord(node: StoredNode, reliability: number): NodeRecord {
  return {
    nodeId: node.nodeId,
    gpuModel: node.gpuModel,
    vramGb: node.vramGb,
    nodeClass: node.nodeClass,
    gpuCount: node.gpuCount,
    priceFloor: node.priceFloor,
    priceFloorApprox: Number(node.priceFloor),
    reliability,
    connected: node.online,
    jobId: node.jobId,
  };
}
