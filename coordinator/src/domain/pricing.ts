/**
 * Quotes: what a training job costs, before the client funds an escrow.
 *
 *   compute         = ceil(basePricePerGpuHour × GPU multiplier × reference GPU-hours)
 *   priority        = compute × (priority weight − 1)          normal 1×, high 2×, critical 3×
 *   platform margin = ceil((compute + priority) × marginBps / 10 000)
 *   minimum charge  = what lifts the total to `minimumAmount`, if it is below
 *   amount          = the sum of the lines
 *
 * The GPU multiplier is the price class of the GPU the client asks for (RTX_3060 1.0 …
 * H100 8.0): the same work costs more on a bigger class, which in exchange runs it on
 * faster hardware. Every line is in token base units and rounded up, so the client pays
 * at least the exact product and the lines always add up to the amount. The node and
 * platform shares are previewed with the program's own split math (sdk/src/split.ts).
 */
import { randomUUID } from "node:crypto";

import { releaseSplit } from "@cyxwiz/sdk/split";
import { CoordinatorError } from "./errors";
import type { GpuCatalogue, GpuModel, NodeClass } from "./gpu";
import { assertU64, BPS_SCALE, ceilDiv, MICRO_HOURS_PER_HOUR, MULTIPLIER_SCALE } from "./money";
import { type Priority, PRIORITY_WEIGHT } from "./priority";
import type { JobRequirements } from "./requirements";
import { DEFAULT_WORKLOAD_CONFIG, estimateWorkload, type Workload, type WorkloadConfig, type WorkloadEstimate } from "./workload";

export interface PricingConfig {
  /** Base units per reference-GPU-hour at multiplier 1.0 and normal priority. */
  readonly basePricePerGpuHour: bigint;
  /** Added on top of compute and priority, in basis points. */
  readonly platformMarginBps: number;
  /** The escrow fee the preview splits with: the on-chain config's `fee_bps`. */
  readonly feeBps: number;
  /** The smallest amount a quote asks for (the on-chain minimum escrow amount). */
  readonly minimumAmount: bigint;
  readonly quoteTtlMs: number;
  readonly workload: WorkloadConfig;
}

export const DEFAULT_PRICING_CONFIG: PricingConfig = {
  basePricePerGpuHour: 1_000_000n, // 1 CYXWIZ (6 decimals)
  platformMarginBps: 1_000,
  feeBps: 1_000,
  minimumAmount: 1_000n,
  quoteTtlMs: 5 * 60_000,
  workload: DEFAULT_WORKLOAD_CONFIG,
};

export type PricingErrorCode = "INVALID_PRICING_CONFIG" | "QUOTE_EXPIRED";

export class PricingError extends CoordinatorError<PricingErrorCode> {}

export type QuoteLineItem = "compute" | "priority" | "platform-margin" | "minimum-charge";

export interface QuoteLine {
  readonly item: QuoteLineItem;
  readonly description: string;
  readonly amount: bigint;
}

export interface PriceBreakdown {
  readonly lines: readonly QuoteLine[];
  readonly amount: bigint;
}

export interface QuoteRequest {
  readonly gpuModel: string;
  readonly priority: Priority;
  readonly workload: Workload;
  /** VRAM the client wants at least; the quote asks for the larger of this and the estimate. */
  readonly minVramGb?: number;
}

export interface Quote {
  readonly quoteId: string;
  readonly createdAt: number;
  /** Unix ms; the quote cannot be used from this instant on. */
  readonly expiresAt: number;
  readonly gpuModel: GpuModel;
  readonly nodeClass: NodeClass;
  readonly minVramGb: number;
  /** What the matcher will require of a node. */
  readonly requirements: JobRequirements;
  readonly priority: Priority;
  readonly estimate: WorkloadEstimate;
  readonly estimatedGpuHours: number;
  /** What the escrow must hold, base units. */
  readonly amount: bigint;
  readonly breakdown: readonly QuoteLine[];
  readonly feeBps: number;
  /** What a full release pays the node: `amount − fee`. */
  readonly nodeAmount: bigint;
  /** What a full release pays the treasury. */
  readonly platformFee: bigint;
}

function checkConfig(config: PricingConfig): void {
  const problems: string[] = [];
  if (config.basePricePerGpuHour <= 0n) problems.push("basePricePerGpuHour must be > 0");
  if (!Number.isInteger(config.platformMarginBps) || config.platformMarginBps < 0) {
    problems.push("platformMarginBps must be an integer ≥ 0");
  }
  if (!Number.isInteger(config.feeBps) || config.feeBps < 0 || config.feeBps > Number(BPS_SCALE)) {
    problems.push("feeBps must be an integer in 0..=10000");
  }
  if (config.minimumAmount < 0n) problems.push("minimumAmount must be ≥ 0");
  if (!Number.isSafeInteger(config.quoteTtlMs) || config.quoteTtlMs <= 0) problems.push("quoteTtlMs must be > 0");
  if (problems.length > 0) throw new PricingError("INVALID_PRICING_CONFIG", problems.join("; "));
}

function formatFixed(value: bigint, scale: bigint): string {
  const digits = scale.toString().length - 1;
  const whole = value / scale;
  const fraction = (value % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return fraction === "" ? whole.toString() : `${whole}.${fraction}`;
}

/** The price lines of `estimate` run on `gpuModel` at `priority`. */
export function priceBreakdown(
  estimate: WorkloadEstimate,
  gpuModel: string,
  priority: Priority,
  catalogue: GpuCatalogue,
  config: PricingConfig = DEFAULT_PRICING_CONFIG,
): PriceBreakdown {
  checkConfig(config);
  const gpu = catalogue.get(gpuModel);
  const weight = BigInt(PRIORITY_WEIGHT[priority]);
  const hours = formatFixed(estimate.gpuMicroHours, MICRO_HOURS_PER_HOUR);

  const compute = ceilDiv(
    config.basePricePerGpuHour * gpu.multiplierMilli * estimate.gpuMicroHours,
    MULTIPLIER_SCALE * MICRO_HOURS_PER_HOUR,
  );
  const prioritySurcharge = compute * (weight - 1n);
  const subtotal = compute + prioritySurcharge;
  const margin = ceilDiv(subtotal * BigInt(config.platformMarginBps), BPS_SCALE);
  const lines: QuoteLine[] = [
    {
      item: "compute",
      description: `${hours} reference GPU-hours × ${gpu.multiplier} (${gpu.model})` + ` × ${config.basePricePerGpuHour} per GPU-hour`,
      amount: compute,
    },
    { item: "priority", description: `${priority}: ${weight}× compute`, amount: prioritySurcharge },
    {
      item: "platform-margin",
      description: `${formatFixed(BigInt(config.platformMarginBps), 100n)}% of ${subtotal}`,
      amount: margin,
    },
  ];
  const total = subtotal + margin;
  if (total < config.minimumAmount) {
    lines.push({
      item: "minimum-charge",
      description: `raises the total to the minimum of ${config.minimumAmount}`,
      amount: config.minimumAmount - total,
    });
  }
  const amount = lines.reduce((sum, line) => sum + line.amount, 0n);
  return { lines, amount: assertU64(amount, "quote amount") };
}

/** A quote valid for `config.quoteTtlMs` from `now` (unix ms). */
export function createQuote(
  request: QuoteRequest,
  catalogue: GpuCatalogue,
  now: number,
  config: PricingConfig = DEFAULT_PRICING_CONFIG,
  newQuoteId: () => string = randomUUID,
): Quote {
  const gpu = catalogue.get(request.gpuModel);
  const estimate = estimateWorkload(request.workload, config.workload);
  const { lines, amount } = priceBreakdown(estimate, gpu.model, request.priority, catalogue, config);
  const minVramGb = Math.max(estimate.minVramGb, request.minVramGb ?? 0);
  const split = releaseSplit(amount, config.feeBps);
  return {
    quoteId: newQuoteId(),
    createdAt: now,
    expiresAt: now + config.quoteTtlMs,
    gpuModel: gpu.model,
    nodeClass: gpu.nodeClass,
    minVramGb,
    requirements: { minVramGb, gpuModels: [gpu.model] },
    priority: request.priority,
    estimate,
    estimatedGpuHours: estimate.estimatedGpuHours,
    amount,
    breakdown: lines,
    feeBps: config.feeBps,
    nodeAmount: split.node,
    platformFee: split.platform,
  };
}

export function isQuoteExpired(quote: Pick<Quote, "expiresAt">, now: number): boolean {
  return now >= quote.expiresAt;
}

export function assertQuoteUsable(quote: Quote, now: number): Quote {
  if (isQuoteExpired(quote, now)) {
    throw new PricingError("QUOTE_EXPIRED", `quote ${quote.quoteId} expired at ${quote.expiresAt}, now is ${now}`);
  }
  return quote;
}
