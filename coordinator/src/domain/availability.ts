/**
 * Which registered nodes could run a job, and for the others why not: what a quote
 * shows before the client funds anything. Each node gets the first reason it fails, in
 * the order of `NODE_VERDICTS`: hardware (GPU, VRAM), then this job's history
 * (excluded), then money (price), then the node's state (offline, busy).
 */
import { NODE_CLASSES, type NodeClass } from "./gpu";
import type { NodeRecord, NodeState } from "./node-pool";
import { nodeCost, scoreNode, scoreParts, type ScoreWeights } from "./node-score";
import { hardwareMisfit, type NormalisedRequirements } from "./requirements";

export const NODE_VERDICTS = [
  "gpu-not-allowed",
  "vram-too-small",
  "excluded",
  "price-above-budget",
  "offline",
  "busy",
  "available",
] as const;
export type NodeVerdict = (typeof NODE_VERDICTS)[number];

export type AvailabilityVerdict = "available" | "eligible-nodes-busy" | "eligible-nodes-offline" | "no-eligible-node";

export interface Candidate {
  readonly nodeId: string;
  readonly gpuModel: string;
  readonly nodeClass: NodeClass;
  readonly vramGb: number;
  readonly reliability: number;
  readonly state: NodeState;
  readonly nodeCost: bigint;
  readonly score: number;
  /** The score's weighted terms: reliability + price + size = score. */
  readonly scoreParts: ScoreWeights;
}

export interface Explanation {
  readonly verdict: AvailabilityVerdict;
  /** Nodes that could run the job: hardware, budget and exclusions pass, any state. */
  readonly eligible: number;
  /** Of those, free right now. */
  readonly availableNow: number;
  /** The best eligible nodes: free ones first, then by score (at most `limit`). */
  readonly candidates: readonly Candidate[];
  readonly counts: Readonly<Record<NodeVerdict, number>>;
  readonly countsByClass: Readonly<Record<NodeClass, Readonly<Record<NodeVerdict, number>>>>;
  /** The highest price floor per GPU-hour the budget allows. */
  readonly affordablePriceFloor: bigint;
  readonly queueDepth: number;
  /** Sentences for the client, one per reason that removed nodes. */
  readonly reasons: readonly string[];
}

/** A job's demand, checked and normalised. */
export interface CheckedDemand {
  readonly requirements: NormalisedRequirements;
  readonly affordableFloor: bigint;
  readonly gpuMicroHours: bigint;
  readonly excluded: ReadonlySet<string>;
}

function emptyCounts(): Record<NodeVerdict, number> {
  return Object.fromEntries(NODE_VERDICTS.map((verdict) => [verdict, 0])) as Record<NodeVerdict, number>;
}

export function nodeVerdict(node: NodeRecord, demand: CheckedDemand): NodeVerdict {
  const misfit = hardwareMisfit(node, demand.requirements);
  if (misfit !== null) return misfit;
  if (demand.excluded.has(node.nodeId)) return "excluded";
  if (node.priceFloor > demand.affordableFloor) return "price-above-budget";
  if (!node.connected) return "offline";
  return node.jobId === null ? "available" : "busy";
}

const STATE_ORDER: Readonly<Record<NodeState, number>> = { online: 0, busy: 1, offline: 2 };

export function explainAvailability(
  nodes: Iterable<NodeRecord>,
  demand: CheckedDemand,
  weights: ScoreWeights,
  queueDepth: number,
  limit: number,
): Explanation {
  const counts = emptyCounts();
  const countsByClass = Object.fromEntries(NODE_CLASSES.map((nodeClass) => [nodeClass, emptyCounts()])) as Record<
    NodeClass,
    Record<NodeVerdict, number>
  >;
  const candidates: Candidate[] = [];
  let cheapestAboveBudget: bigint | null = null;
  const affordableApprox = Number(demand.affordableFloor);
  for (const node of nodes) {
    const verdict = nodeVerdict(node, demand);
    counts[verdict] += 1;
    countsByClass[node.nodeClass][verdict] += 1;
    if (verdict === "price-above-budget" && (cheapestAboveBudget === null || node.priceFloor < cheapestAboveBudget)) {
      cheapestAboveBudget = node.priceFloor;
    }
    if (verdict === "offline" || verdict === "busy" || verdict === "available") {
      candidates.push({
        nodeId: node.nodeId,
        gpuModel: node.gpuModel,
        nodeClass: node.nodeClass,
        vramGb: node.vramGb,
        reliability: node.reliability,
        state: verdict === "available" ? "online" : verdict,
        nodeCost: nodeCost(node.priceFloor, demand.gpuMicroHours),
        score: scoreNode(node, demand.requirements.minVramGb, affordableApprox, weights),
        scoreParts: scoreParts(node, demand.requirements.minVramGb, affordableApprox, weights),
      });
    }
  }
  candidates.sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.score - a.score || (a.nodeId < b.nodeId ? -1 : 1));
  const verdict: AvailabilityVerdict =
    counts.available > 0
      ? "available"
      : counts.busy > 0
        ? "eligible-nodes-busy"
        : counts.offline > 0
          ? "eligible-nodes-offline"
          : "no-eligible-node";
  return {
    verdict,
    eligible: counts.available + counts.busy + counts.offline,
    availableNow: counts.available,
    candidates: candidates.slice(0, limit),
    counts,
    countsByClass,
    affordablePriceFloor: demand.affordableFloor,
    queueDepth,
    reasons: reasonsFor(counts, demand, cheapestAboveBudget, queueDepth),
  };
}

function reasonsFor(
  counts: Readonly<Record<NodeVerdict, number>>,
  demand: CheckedDemand,
  cheapestAboveBudget: bigint | null,
  queueDepth: number,
): string[] {
  const { requirements } = demand;
  const reasons: string[] = [];
  const nodes = (count: number): string => (count === 1 ? "1 node" : `${count} nodes`);
  if (counts["gpu-not-allowed"] > 0) {
    const allowed = [
      ...(requirements.gpuModels === null ? [] : [`models ${[...requirements.gpuModels].join(", ")}`]),
      ...(requirements.nodeClasses === null ? [] : [`classes ${[...requirements.nodeClasses].join(", ")}`]),
    ].join("; ");
    reasons.push(`${nodes(counts["gpu-not-allowed"])}: GPU not allowed (the job allows ${allowed})`);
  }
  if (counts["vram-too-small"] > 0) {
    reasons.push(`${nodes(counts["vram-too-small"])}: less VRAM than the ${requirements.minVramGb} GB required`);
  }
  if (counts.excluded > 0) reasons.push(`${nodes(counts.excluded)}: already failed this job`);
  if (counts["price-above-budget"] > 0) {
    reasons.push(
      `${nodes(counts["price-above-budget"])}: price floor above the budget ` +
        `(the budget allows ${demand.affordableFloor} per GPU-hour, the cheapest of them asks ${cheapestAboveBudget})`,
    );
  }
  if (counts.offline > 0) reasons.push(`${nodes(counts.offline)}: eligible but offline`);
  if (counts.busy > 0) reasons.push(`${nodes(counts.busy)}: eligible but busy (${queueDepth} jobs queued)`);
  const registered = NODE_VERDICTS.reduce((total, verdict) => total + counts[verdict], 0);
  if (registered === 0) reasons.push("no node is registered");
  return reasons;
}
