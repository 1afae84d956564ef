/**
 * Quote: the price of a training job (domain/pricing), which registered nodes could
 * run it and, for the others, why not (domain/availability, the matcher's explain).
 * Stored until it expires, for the submission that uses it (flows/submit.ts).
 */
import type { Explanation } from "../domain/availability";
import { CoordinatorError } from "../domain/errors";
import { createQuote, type Quote, type QuoteRequest } from "../domain/pricing";
import { explain } from "../domain/matcher";
import type { JobRequirements } from "../domain/requirements";
import { matcherRecord, nodeReliability } from "../store/node-codec";
import type { FlowContext } from "./context";

/** The price class of a job that allows any GPU: the reference GPU (multiplier 1.0). */
export const REFERENCE_GPU = "RTX_3060";

/** How many candidate nodes a quote lists. */
const CANDIDATES = 10;

export interface QuoteJob extends Omit<QuoteRequest, "gpuModel"> {
  readonly client: string;
  /** The GPU models the job allows; none: any. */
  readonly gpuModels: readonly string[];
}

export type QuoteOutcome =
  | { readonly kind: "quoted"; readonly quote: Quote; readonly availability: Explanation }
  /** The pricing refused the job (a CoordinatorError's code and message). */
  | { readonly kind: "unquotable"; readonly code: string; readonly message: string };

export async function quoteJob(
  ctx: Pick<FlowContext, "store" | "clock" | "config" | "catalogue" | "matcher" | "pricing">,
  request: QuoteJob,
): Promise<QuoteOutcome> {
  const now = ctx.clock();
  const models = request.gpuModels;
  // A job allowing several models is priced at the dearest: any of them may run it.
  const priceModel =
    models.length === 0
      ? REFERENCE_GPU
      : models.reduce((dearest, model) =>
          ctx.catalogue.get(model).multiplierMilli > ctx.catalogue.get(dearest).multiplierMilli ? model : dearest,
        );
  let quote: Quote;
  try {
    quote = createQuote(
      { gpuModel: priceModel, priority: request.priority, workload: request.workload, minVramGb: request.minVramGb },
      ctx.catalogue,
      now,
      ctx.pricing,
    );
  } catch (error) {
    if (error instanceof CoordinatorError) return { kind: "unquotable", code: error.code, message: error.message };
    throw error;
  }

  const requirements: JobRequirements = { minVramGb: quote.minVramGb, ...(models.length > 0 ? { gpuModels: models } : {}) };
  const [nodes, queueDepth] = await Promise.all([ctx.store.nodes.all(), ctx.store.jobs.queuedCount()]);
  const interval = ctx.config.heartbeat.intervalMs;
  const availability = explain({
    nodes: nodes.map((node) => matcherRecord(node, nodeReliability(node, now, interval).score)),
    demand: { requirements, maxPrice: quote.nodeAmount, gpuMicroHours: quote.estimate.gpuMicroHours },
    scoreWeights: ctx.matcher.scoreWeights,
    queueDepth,
    limit: CANDIDATES,
  });

  await ctx.store.quotes.save({
    quoteId: quote.quoteId,
    client: request.client,
    createdAt: quote.createdAt,
    expiresAt: quote.expiresAt,
    priority: quote.priority,
    amount: quote.amount,
    feeBps: quote.feeBps,
    gpuMicroHours: quote.estimate.gpuMicroHours,
    minVramGb: quote.minVramGb,
    gpuModels: models,
  });
  return { kind: "quoted", quote, availability };
}
