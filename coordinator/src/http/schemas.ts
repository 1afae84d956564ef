/** The request bodies the API accepts, one validator each (documented in openapi.yaml). */
import bs58 from "bs58";

import { MAX_DURATION_SECS, MAX_EPOCHS, MIN_DURATION_SECS } from "../domain/checkpoints";
import { GpuCatalogue } from "../domain/gpu";
import { ABANDON_FAULTS, MAX_ABANDON_REASON_CHARS } from "../domain/job-state";
import { PRIORITIES } from "../domain/priority";
import {
  array,
  decimalU64,
  integer,
  jsonObject,
  number,
  object,
  oneOf,
  optional,
  record,
  refine,
  string,
  Validator,
} from "./validate";

export const JOB_ID_RE = /^[0-9a-f]{64}$/;
export const SHA256_RE = /^[0-9a-f]{64}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
/** CIDv0 (Qm…, base58) or CIDv1 in base32 (b…) or base58btc (z…). */
const CID_RE = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,200}|z[1-9A-HJ-NP-Za-km-z]{40,200})$/;
export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;

const jobId = string({ min: 64, max: 64, pattern: JOB_ID_RE, expected: "64 lowercase hex characters (the escrow's job id)" });
/** A Solana account address: base58 of exactly 32 bytes (a PDA like an escrow is off the curve, so no curve check). */
const address = refine(string({ min: 32, max: 44, pattern: BASE58_RE, expected: "a base58 account address" }), (text) =>
  bs58.decode(text).length === 32 ? null : "must be a base58 account address of 32 bytes",
);
const cid = string({ max: 256, pattern: CID_RE, expected: "an IPFS CID (Qm… or b…)" });
export const JOB_TOKEN_RE = /^[0-9a-f]{64}$/;
/** The job-scoped token of the offer (heartbeat reply `offer.jobToken`). */
const jobToken = string({ min: 64, max: 64, pattern: JOB_TOKEN_RE, expected: "the jobToken of the job's offer (64 lowercase hex)" });
const sha256 = (what: string) => string({ min: 64, max: 64, pattern: SHA256_RE, expected: `${what}, 64 lowercase hex` });

/** A GPU model the catalogue knows, any spelling it accepts, returned canonical (RTX_4090). */
function gpuModel(catalogue: GpuCatalogue): Validator<string> {
  const name = string({ max: 32 });
  const known = oneOf(catalogue.models());
  return (value, field) => {
    const text = name(value, field);
    return catalogue.find(text)?.model ?? known(text, field);
  };
}

export function schemas(catalogue: GpuCatalogue) {
  const model = gpuModel(catalogue);

  const quote = object({
    model: object({ parameters: integer({ min: 1, max: 10 ** 13 }) }),
    dataset: refine(
      object({
        bytes: optional(integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        samples: optional(integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        tokens: optional(integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        tokensPerSample: optional(integer({ min: 1, max: 1_000_000 })),
      }),
      (dataset) => {
        const given = [dataset.bytes, dataset.samples, dataset.tokens].filter((size) => size !== undefined).length;
        if (given !== 1) return "must give exactly one of bytes, samples or tokens";
        if (dataset.tokensPerSample !== undefined && dataset.samples === undefined) {
          return { field: "tokensPerSample", message: "may be given only with samples" };
        }
        return null;
      },
    ),
    epochs: integer({ min: 1, max: 10_000 }),
    priority: oneOf(PRIORITIES),
    gpu: optional(
      object({
        minVramGb: optional(number({ min: 0, max: 1_024 })),
        models: optional(array(model, { min: 1, max: 16, unique: true })),
      }),
    ),
  });

  const job = object({
    quoteId: string({ min: 36, max: 36, pattern: UUID_RE, expected: "a quote id from POST /v1/quotes" }),
    jobId,
    escrow: address,
    datasetCid: cid,
    config: jsonObject(16),
    maxDurationSecs: optional(integer({ min: MIN_DURATION_SECS, max: MAX_DURATION_SECS })),
  });

  const node = object({
    gpuModel: model,
    vramGb: number({ min: 0, max: 1_024 }),
    gpuCount: integer({ min: 1, max: 64 }),
    priceFloor: decimalU64(),
  });

  const heartbeat = refine(
    object({
      jobId: optional(jobId),
      progress: optional(number({ min: 0, max: 1 })),
    }),
    (beat) =>
      beat.progress !== undefined && beat.jobId === undefined
        ? { field: "progress", message: "may be given only with the jobId it is the progress of" }
        : null,
  );

  const report = object({
    weightsCid: cid,
    weightsSha256: sha256("the weights' sha256"),
    metrics: optional(record(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, number({ min: -1e300, max: 1e300 }), 64)),
    jobToken,
  });

  const checkpoint = refine(
    object({
      epoch: integer({ min: 1, max: MAX_EPOCHS }),
      epochs: integer({ min: 1, max: MAX_EPOCHS }),
      cid,
      sha256: sha256("the checkpoint bytes' sha256"),
      jobToken,
    }),
    (body) => (body.epoch > body.epochs ? { field: "epoch", message: `must be in 1..epochs (${body.epochs}), got ${body.epoch}` } : null),
  );

  /** A cancel has nothing to say; an empty object is accepted too. */
  const cancel = object({});

  /** A node gives its job up: why, in ≤ 500 characters, and whose fault it says it is. */
  const fail = object({
    jobToken,
    reason: refine(string({ min: 1, max: MAX_ABANDON_REASON_CHARS, expected: `1..${MAX_ABANDON_REASON_CHARS} characters` }), (text) =>
      text.trim().length === 0 ? "must say why, not only spaces" : null,
    ),
    fault: optional(oneOf(ABANDON_FAULTS)),
  });

  return { quote, job, node, heartbeat, report, checkpoint, cancel, fail };
}

export type Schemas = ReturnType<typeof schemas>;
export type QuoteBody = ReturnType<Schemas["quote"]>;
export type JobBody = ReturnType<Schemas["job"]>;
export type NodeBody = ReturnType<Schemas["node"]>;
export type HeartbeatBody = ReturnType<Schemas["heartbeat"]>;
export type ReportBody = ReturnType<Schemas["report"]>;
export type CheckpointBody = ReturnType<Schemas["checkpoint"]>;
export type FailBody = ReturnType<Schemas["fail"]>;
