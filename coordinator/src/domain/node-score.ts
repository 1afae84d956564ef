/**
 * How well a free node suits a job ("reward the best nodes, not the biggest"):
 *
 *   score     = 0.5 × reliability + 0.3 × priceFit + 0.2 × sizeFit   (weights: config)
 *   priceFit  = 1 − priceFloor / affordableFloor    (1 for a free node, 0 at the budget)
 *   sizeFit   = (1 + minVramGb) / (1 + node VRAM)   (1 for an exact fit, less for a bigger card)
 *
 * A node's price for a job is its floor per reference-GPU-hour times the job's hours,
 * rounded up; it fits the budget exactly when
 *
 *   ceil(priceFloor × gpuMicroHours / 10^6) ≤ maxPrice
 *   ⇔ priceFloor ≤ floor(maxPrice × 10^6 / gpuMicroHours)   (the job's "affordable floor")
 *
 * so the budget check is one bigint comparison per node.
 */
import { MICRO_HOURS_PER_HOUR } from "./money";

export interface ScoreWeights {
  readonly reliability: number;
  readonly price: number;
  readonly size: number;
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = { reliability: 0.5, price: 0.3, size: 0.2 };

/** What `scoreNode` reads of a node. */
export interface ScoredNode {
  readonly reliability: number;
  readonly vramGb: number;
  /** The price floor as a number: scoring needs no exactness, the budget check does. */
  readonly priceFloorApprox: number;
}

/** The highest price floor per GPU-hour whose cost for `gpuMicroHours` fits `maxPrice`. */
export function affordablePriceFloor(maxPrice: bigint, gpuMicroHours: bigint): bigint {
  return (maxPrice * MICRO_HOURS_PER_HOUR) / gpuMicroHours;
}

/** What a node with `priceFloor` asks for `gpuMicroHours` of work, rounded up. */
export function nodeCost(priceFloor: bigint, gpuMicroHours: bigint): bigint {
  return (priceFloor * gpuMicroHours + MICRO_HOURS_PER_HOUR - 1n) / MICRO_HOURS_PER_HOUR;
}

function priceFit(node: ScoredNode, affordableFloorApprox: number): number {
  return affordableFloorApprox > 0 ? 1 - node.priceFloorApprox / affordableFloorApprox : 1;
}

function sizeFit(node: ScoredNode, minVramGb: number): number {
  return (1 + minVramGb) / (1 + node.vramGb);
}

export function scoreNode(node: ScoredNode, minVramGb: number, affordableFloorApprox: number, weights: ScoreWeights): number {
  return (
    weights.reliability * node.reliability + weights.price * priceFit(node, affordableFloorApprox) + weights.size * sizeFit(node, minVramGb)
  );
}

/** The score's three weighted terms (they sum to `scoreNode`), to explain a choice. */
export function scoreParts(node: ScoredNode, minVramGb: number, affordableFloorApprox: number, weights: ScoreWeights): ScoreWeights {
  return {
    reliability: weights.reliability * node.reliability,
    price: weights.price * priceFit(node, affordableFloorApprox),
    size: weights.size * sizeFit(node, minVramGb),
  };
}

/** Score weights must be ≥ 0 and sum to 1. */
export function validScoreWeights(weights: ScoreWeights): boolean {
  const values = [weights.reliability, weights.price, weights.size];
  return values.every((value) => value >= 0) && Math.abs(values.reduce((a, b) => a + b, 0) - 1) <= 1e-9;
}
