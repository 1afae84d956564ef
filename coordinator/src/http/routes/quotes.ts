/**
 * POST /v1/quotes (client-signed): the price of a training job from domain/pricing,
 * which registered nodes could run it and, for the others, why not
 * (domain/availability, the matcher's explain). Stored until it expires, for the
 * submission that uses it.
 */
import { Express, RequestHandler } from "express";

import { CoordinatorError } from "../../domain/errors";
import { explain } from "../../domain/matcher";
import { createQuote, Quote } from "../../domain/pricing";
import { JobRequirements } from "../../domain/requirements";
import { DatasetSize } from "../../domain/workload";
import { matcherRecord, nodeReliability } from "../../store/node-codec";
import { callerOf } from "../auth";
import { readJson } from "../body";
import { ApiContext } from "../context";
import { unprocessable } from "../errors";
import { sendJson } from "../json";
import { QuoteBody } from "../schemas";
import { quoteView } from "../views";

/** The price class of a job that allows any GPU: the reference GPU (multiplier 1.0). */
export const REFERENCE_GPU = "RTX_3060";

/** How many candidate nodes a quote lists. */
const CANDIDATES = 10;

function datasetOf(dataset: QuoteBody["dataset"]): DatasetSize {
  if (dataset.bytes !== undefined) return { kind: "bytes", bytes: dataset.bytes };
  if (dataset.tokens !== undefined) return { kind: "tokens", tokens: dataset.tokens };
  return { kind: "samples", samples: dataset.samples ?? 0, tokensPerSample: dataset.tokensPerSample };
}

export function quoteRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  /** A job allowing several models is priced at the dearest: any of them may run it. */
  const priceModel = (models: readonly string[]): string =>
    models.length === 0
      ? REFERENCE_GPU
      : models.reduce((dearest, model) =>
          ctx.catalogue.get(model).multiplierMilli > ctx.catalogue.get(dearest).multiplierMilli ? model : dearest,
        );

  app.post("/v1/quotes", body, auth, async (req, res) => {
    const input = readJson(req, ctx.schemas.quote);
    const client = callerOf(req).wallet;
    const now = ctx.clock();
    const models = input.gpu?.models ?? [];
    let quote: Quote;
    try {
      quote = createQuote(
        {
          gpuModel: priceModel(models),
          priority: input.priority,
          workload: { modelParameters: input.model.parameters, dataset: datasetOf(input.dataset), epochs: input.epochs },
          minVramGb: input.gpu?.minVramGb,
        },
        ctx.catalogue,
        now,
        ctx.pricing,
      );
    } catch (error) {
      if (error instanceof CoordinatorError) throw unprocessable(error.code, `cannot quote this job: ${error.message}`);
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
      client,
      createdAt: quote.createdAt,
      expiresAt: quote.expiresAt,
      priority: quote.priority,
      amount: quote.amount,
      feeBps: quote.feeBps,
      gpuMicroHours: quote.estimate.gpuMicroHours,
      minVramGb: quote.minVramGb,
      gpuModels: models,
    });
    sendJson(res, 201, quoteView(quote, models, availability));
  });
}
