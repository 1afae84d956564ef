/**
 * The request bodies the API accepts, one validator each: the protocol's schemas
 * (protocol/src/api/requests.ts), with GPU models checked against this coordinator's
 * catalogue.
 */
import { z } from "zod";

import { GpuModel, requestSchemas } from "@cyxwiz/protocol/api/requests";
import type { GpuCatalogue } from "../domain/gpu";
import { validator } from "./validate";

export { IDEMPOTENCY_KEY_RE, JOB_ID_RE, JOB_TOKEN_RE, SHA256_RE } from "@cyxwiz/protocol/api/constants";

/** A GPU model the catalogue knows, any spelling it accepts, returned canonical (RTX_4090). */
function gpuModel(catalogue: GpuCatalogue): z.ZodType<string, string> {
  const models = catalogue.models();
  return GpuModel.transform((text, ctx) => {
    const known = catalogue.find(text)?.model;
    if (known !== undefined) return known;
    ctx.addIssue({ code: "custom", message: `must be one of ${models.join(", ")}, got string ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  });
}

export function schemas(catalogue: GpuCatalogue) {
  const requests = requestSchemas(gpuModel(catalogue));
  return {
    quote: validator(requests.quote),
    job: validator(requests.job),
    node: validator(requests.node),
    heartbeat: validator(requests.heartbeat),
    report: validator(requests.report),
    checkpoint: validator(requests.checkpoint),
    cancel: validator(requests.cancel),
    fail: validator(requests.fail),
  };
}

export type Schemas = ReturnType<typeof schemas>;
export type QuoteBody = ReturnType<Schemas["quote"]>;
export type JobBody = ReturnType<Schemas["job"]>;
export type NodeBody = ReturnType<Schemas["node"]>;
export type HeartbeatBody = ReturnType<Schemas["heartbeat"]>;
export type ReportBody = ReturnType<Schemas["report"]>;
export type CheckpointBody = ReturnType<Schemas["checkpoint"]>;
export type FailBody = ReturnType<Schemas["fail"]>;
