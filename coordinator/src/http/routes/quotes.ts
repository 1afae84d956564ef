/**
 * POST /v1/quotes (client-signed): the price of a training job, which registered nodes
 * could run it and, for the others, why not (flows/quote.ts). Stored until it
 * expires, for the submission that uses it.
 */
import type { Express, RequestHandler } from "express";

import type { DatasetSize } from "../../domain/workload";
import { quoteJob } from "../../flows/quote";
import { callerOf } from "../auth";
import { readJson } from "../body";
import type { ApiContext } from "../context";
import { unprocessable } from "../errors";
import { sendJson } from "../json";
import type { QuoteBody } from "../schemas";
import { quoteView } from "../views";

function datasetOf(dataset: QuoteBody["dataset"]): DatasetSize {
  if (dataset.bytes !== undefined) return { kind: "bytes", bytes: dataset.bytes };
  if (dataset.tokens !== undefined) return { kind: "tokens", tokens: dataset.tokens };
  return { kind: "samples", samples: dataset.samples ?? 0, tokensPerSample: dataset.tokensPerSample };
}

export function quoteRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  app.post("/v1/quotes", body, auth, async (req, res) => {
    const input = readJson(req, ctx.schemas.quote);
    const models = input.gpu?.models ?? [];
    const outcome = await quoteJob(ctx, {
      client: callerOf(req).wallet,
      gpuModels: models,
      priority: input.priority,
      workload: { modelParameters: input.model.parameters, dataset: datasetOf(input.dataset), epochs: input.epochs },
      minVramGb: input.gpu?.minVramGb,
    });
    if (outcome.kind === "unquotable") throw unprocessable(outcome.code, `cannot quote this job: ${outcome.message}`);
    sendJson(res, 201, quoteView(outcome.quote, models, outcome.availability));
  });
}
