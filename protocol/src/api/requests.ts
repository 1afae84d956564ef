/**
 * The request bodies the API accepts, defined once: the coordinator validates with them,
 * clients take their types from them (`z.input` is what a client sends, `z.output` what
 * the coordinator gets after checking), and the OpenAPI document is generated from them.
 */
import type { z } from "zod";

import { Cid, GpuModel, JobId, Priority, Wallet } from "./common";
import {
  ABANDON_FAULTS,
  JOB_TOKEN_RE,
  MAX_ABANDON_REASON_CHARS,
  MAX_DURATION_SECS,
  MAX_EPOCHS,
  METRIC_NAME_RE,
  MIN_DURATION_SECS,
  SHA256_RE,
  UUID_RE,
} from "./constants";
import { array, decimalU64, integer, jsonObject, number, object, oneOf, record, string } from "./fields";

export { GpuModel };

/** The job-scoped token of the offer (heartbeat reply `offer.jobToken`). */
const jobToken = () =>
  string({ min: 64, max: 64, pattern: JOB_TOKEN_RE, expected: "the jobToken of the job's offer (64 lowercase hex)" }).describe(
    "offer.jobToken of the heartbeat reply",
  );
const sha256 = (what: string) => string({ min: 64, max: 64, pattern: SHA256_RE, expected: `${what}, 64 lowercase hex` });

/** A problem a cross-field check found about one of the fields. */
function problemAt(ctx: z.RefinementCtx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

/**
 * The request schemas, with `gpuModel` the check of a GPU model's name: any name of up to
 * 32 characters by default (clients), the coordinator's catalogue on the server, which
 * also makes the name canonical (rtx4090 → RTX_4090).
 */
export function requestSchemas(gpuModel: z.ZodType<string, string> = GpuModel) {
  const quote = object({
    model: object({ parameters: integer({ min: 1, max: 10 ** 13 }) }),
    dataset: object({
      bytes: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      samples: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      tokens: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      tokensPerSample: integer({ min: 1, max: 1_000_000 }).optional(),
    })
      .describe("Exactly one of bytes, samples or tokens; tokensPerSample only with samples.")
      .superRefine((dataset, ctx) => {
        const given = [dataset.bytes, dataset.samples, dataset.tokens].filter((size) => size !== undefined).length;
        if (given !== 1) problemAt(ctx, [], "must give exactly one of bytes, samples or tokens");
        else if (dataset.tokensPerSample !== undefined && dataset.samples === undefined) {
          problemAt(ctx, ["tokensPerSample"], "may be given only with samples");
        }
      }),
    epochs: integer({ min: 1, max: 10_000 }),
    priority: Priority,
    gpu: object({
      minVramGb: number({ min: 0, max: 1_024 }).optional(),
      models: array(gpuModel, { min: 1, max: 16, unique: true }).optional(),
    }).optional(),
  });

  const job = object({
    quoteId: string({ min: 36, max: 36, pattern: UUID_RE, expected: "a quote id from POST /v1/quotes" }),
    jobId: JobId,
    escrow: Wallet,
    datasetCid: Cid,
    config: jsonObject(16).describe("Training configuration passed to the node as is (at most 16 levels deep)."),
    maxDurationSecs: integer({ min: MIN_DURATION_SECS, max: MAX_DURATION_SECS })
      .describe(
        "How long the job may run once a node accepts it (default config matching.defaultMaxDurationSecs, 3600); then it times out and settles by verified progress. Refused 422 DURATION_EXCEEDS_ESCROW (naming both times) when now + this is after the escrow's expiry minus escrow.settleMarginSecs (600 s); the run deadline never passes that moment either.",
      )
      .optional(),
  });

  const node = object({
    gpuModel,
    vramGb: number({ min: 0, max: 1_024 }).describe("VRAM of one GPU; decides the node class (tier1 ≤ 4, tier2 ≤ 8, tier3 ≤ 22, tier4)."),
    gpuCount: integer({ min: 1, max: 64 }),
    priceFloor: decimalU64().describe("The least the node accepts per reference GPU-hour, base units (u64) as a decimal string."),
  });

  const heartbeat = object({
    jobId: JobId.optional(),
    progress: number({ min: 0, max: 1 }).optional(),
  })
    .describe("{} keeps the lease; {jobId} accepts the offer of that job, or says the node still runs it; progress only with jobId.")
    .superRefine((beat, ctx) => {
      if (beat.progress !== undefined && beat.jobId === undefined)
        problemAt(ctx, ["progress"], "may be given only with the jobId it is the progress of");
    });

  const report = object({
    weightsCid: Cid,
    weightsSha256: sha256("the weights' sha256"),
    metrics: record(METRIC_NAME_RE, number({ min: -1e300, max: 1e300 }), 64).optional(),
    jobToken: jobToken(),
  });

  const checkpoint = object({
    epoch: integer({ min: 1, max: MAX_EPOCHS }).describe("1..epochs"),
    epochs: integer({ min: 1, max: MAX_EPOCHS }),
    cid: Cid,
    sha256: sha256("the checkpoint bytes' sha256"),
    jobToken: jobToken(),
  }).superRefine((body, ctx) => {
    if (body.epoch > body.epochs) problemAt(ctx, ["epoch"], `must be in 1..epochs (${body.epochs}), got ${body.epoch}`);
  });

  /** A cancel has nothing to say; an empty object is accepted too. */
  const cancel = object({});

  /** A node gives its job up: why, in ≤ 500 characters, and whose fault it says it is. */
  const fail = object({
    jobToken: jobToken(),
    reason: string({ min: 1, max: MAX_ABANDON_REASON_CHARS, expected: `1..${MAX_ABANDON_REASON_CHARS} characters` })
      .refine((text) => text.trim().length > 0, { error: "must say why, not only spaces" })
      .describe("why, for the client's history (not only spaces)"),
    fault: oneOf(ABANDON_FAULTS).describe("whose fault the node says it is (recorded, not judged)").optional(),
  });

  return { quote, job, node, heartbeat, report, checkpoint, cancel, fail };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;
/** The request schemas clients build their bodies against. */
export const REQUESTS: RequestSchemas = requestSchemas();

/** What a client sends. */
export type QuoteRequest = z.input<RequestSchemas["quote"]>;
export type JobRequest = z.input<RequestSchemas["job"]>;
export type NodeRequest = z.input<RequestSchemas["node"]>;
export type HeartbeatRequest = z.input<RequestSchemas["heartbeat"]>;
export type ReportRequest = z.input<RequestSchemas["report"]>;
export type CheckpointRequest = z.input<RequestSchemas["checkpoint"]>;
export type FailRequest = z.input<RequestSchemas["fail"]>;
