/**
 * The request bodies the API accepts, defined once: the coordinator validates with them,
 * clients take their types from them (`z.input` is what a client sends, `z.output` what
 * the coordinator gets after checking), and the OpenAPI document is generated from them.
 */
import bs58 from "bs58";
import { z } from "zod";

import {
  ABANDON_FAULTS,
  BASE58_RE,
  CID_RE,
  JOB_ID_RE,
  JOB_TOKEN_RE,
  MAX_ABANDON_REASON_CHARS,
  MAX_DURATION_SECS,
  MAX_EPOCHS,
  METRIC_NAME_RE,
  MIN_DURATION_SECS,
  PRIORITIES,
  SHA256_RE,
  UUID_RE,
} from "./constants";
import { array, decimalU64, integer, jsonObject, number, object, oneOf, record, string } from "./fields";

export const jobIdField = () => string({ min: 64, max: 64, pattern: JOB_ID_RE, expected: "64 lowercase hex characters (the escrow's job id)" });
/** A Solana account address: base58 of exactly 32 bytes (a PDA like an escrow is off the curve, so no curve check). */
export const addressField = () =>
  string({ min: 32, max: 44, pattern: BASE58_RE, expected: "a base58 account address" }).refine((text) => !BASE58_RE.test(text) || bs58.decode(text).length === 32, {
    error: "must be a base58 account address of 32 bytes",
  });
export const cidField = () => string({ max: 256, pattern: CID_RE, expected: "an IPFS CID (Qm… or b…)" });
/** The job-scoped token of the offer (heartbeat reply `offer.jobToken`). */
const jobToken = () => string({ min: 64, max: 64, pattern: JOB_TOKEN_RE, expected: "the jobToken of the job's offer (64 lowercase hex)" });
const sha256 = (what: string) => string({ min: 64, max: 64, pattern: SHA256_RE, expected: `${what}, 64 lowercase hex` });

/** A GPU model's name as a client writes it; the coordinator checks it against its catalogue. */
export const GPU_MODEL_NAME = string({ max: 32 });

/** A problem a cross-field check found about one of the fields. */
function problemAt(ctx: z.RefinementCtx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

/**
 * The request schemas, with `gpuModel` the check of a GPU model's name: any name of up to
 * 32 characters by default (clients), the coordinator's catalogue on the server, which
 * also makes the name canonical (rtx4090 → RTX_4090).
 */
export function requestSchemas(gpuModel: z.ZodType<string, string> = GPU_MODEL_NAME) {
  const quote = object({
    model: object({ parameters: integer({ min: 1, max: 10 ** 13 }) }),
    dataset: object({
      bytes: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      samples: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      tokens: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      tokensPerSample: integer({ min: 1, max: 1_000_000 }).optional(),
    }).superRefine((dataset, ctx) => {
      const given = [dataset.bytes, dataset.samples, dataset.tokens].filter((size) => size !== undefined).length;
      if (given !== 1) problemAt(ctx, [], "must give exactly one of bytes, samples or tokens");
      else if (dataset.tokensPerSample !== undefined && dataset.samples === undefined) {
        problemAt(ctx, ["tokensPerSample"], "may be given only with samples");
      }
    }),
    epochs: integer({ min: 1, max: 10_000 }),
    priority: oneOf(PRIORITIES),
    gpu: object({
      minVramGb: number({ min: 0, max: 1_024 }).optional(),
      models: array(gpuModel, { min: 1, max: 16, unique: true }).optional(),
    }).optional(),
  });

  const job = object({
    quoteId: string({ min: 36, max: 36, pattern: UUID_RE, expected: "a quote id from POST /v1/quotes" }),
    jobId: jobIdField(),
    escrow: addressField(),
    datasetCid: cidField(),
    config: jsonObject(16),
    maxDurationSecs: integer({ min: MIN_DURATION_SECS, max: MAX_DURATION_SECS }).optional(),
  });

  const node = object({
    gpuModel,
    vramGb: number({ min: 0, max: 1_024 }),
    gpuCount: integer({ min: 1, max: 64 }),
    priceFloor: decimalU64(),
  });

  const heartbeat = object({
    jobId: jobIdField().optional(),
    progress: number({ min: 0, max: 1 }).optional(),
  }).superRefine((beat, ctx) => {
    if (beat.progress !== undefined && beat.jobId === undefined) problemAt(ctx, ["progress"], "may be given only with the jobId it is the progress of");
  });

  const report = object({
    weightsCid: cidField(),
    weightsSha256: sha256("the weights' sha256"),
    metrics: record(METRIC_NAME_RE, number({ min: -1e300, max: 1e300 }), 64).optional(),
    jobToken: jobToken(),
  });

  const checkpoint = object({
    epoch: integer({ min: 1, max: MAX_EPOCHS }),
    epochs: integer({ min: 1, max: MAX_EPOCHS }),
    cid: cidField(),
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
    reason: string({ min: 1, max: MAX_ABANDON_REASON_CHARS, expected: `1..${MAX_ABANDON_REASON_CHARS} characters` }).refine((text) => text.trim().length > 0, {
      error: "must say why, not only spaces",
    }),
    fault: oneOf(ABANDON_FAULTS).optional(),
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
