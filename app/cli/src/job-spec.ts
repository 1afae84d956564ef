/**
 * From what the user gives to what the coordinator prices: a cyxwiz/mlp-classifier@1
 * spec (whose parameters and samples are derived from the spec and the dataset's
 * header on IPFS) or the plain quote flags.
 */
import { readFileSync } from "node:fs";

import { DATASET_HEADER_BYTES, type MlpClassifierSpec, parameterCount, parseSpec, TrainerError } from "@cyxwiz/trainer";
import type { Priority, QuoteRequest } from "@cyxwiz/lib";
import type { FlagSpec } from "./args";
import type { Context } from "./context";
import { usageError, userError } from "./errors";

export const QUOTE_FLAGS: readonly FlagSpec[] = [
  { name: "spec", type: "string", value: "FILE", help: "a cyxwiz/mlp-classifier@1 job spec (parameters, samples, epochs derived from it)" },
  { name: "parameters", type: "number", value: "N", help: "model parameters (without --spec)" },
  { name: "samples", type: "number", value: "N", help: "dataset samples (without --spec; or --bytes / --tokens)" },
  { name: "bytes", type: "number", value: "N", help: "dataset size in bytes" },
  { name: "tokens", type: "number", value: "N", help: "dataset tokens per epoch" },
  { name: "epochs", type: "number", value: "N", help: "training epochs (without --spec)" },
  { name: "priority", type: "string", value: "P", help: "normal | high | critical (default normal)" },
  { name: "gpu", type: "list", value: "MODELS", help: "allowed GPU models, comma-separated (default any)" },
  { name: "min-vram", type: "number", value: "GB", help: "minimum VRAM per GPU" },
];

export interface JobPlan {
  readonly request: QuoteRequest;
  /** How the request was derived, for people. */
  readonly derivation: string;
  readonly spec: MlpClassifierSpec | null;
  readonly datasetCid: string | null;
  readonly config: Record<string, unknown> | null;
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw userError(
      "FILE_UNREADABLE",
      `cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw userError("FILE_INVALID", `the ${what} ${path} is not JSON (${(error as Error).message})`);
  }
}

export function loadSpec(path: string): MlpClassifierSpec {
  try {
    return parseSpec(readJsonFile(path, "job spec"));
  } catch (error) {
    if (error instanceof TrainerError) throw userError(error.code, `${path}: ${error.message}`);
    throw error;
  }
}

/** N, F and C from a cyxwiz-tabular@1 header on IPFS. */
export async function datasetShape(ctx: Context, cid: string): Promise<{ samples: number; features: number; classes: number }> {
  const bytes = await ctx.ipfs().head(cid, DATASET_HEADER_BYTES);
  const magic = Buffer.from(bytes.subarray(0, 4)).toString("latin1");
  if (bytes.length < DATASET_HEADER_BYTES || magic !== "CYXT") {
    throw userError(
      "DATASET_INVALID",
      `${cid} is not a cyxwiz-tabular@1 dataset (header ${JSON.stringify(magic)}); cyxwiz dev dataset adds the demo one`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { samples: view.getUint32(8, true), features: view.getUint32(12, true), classes: view.getUint32(16, true) };
}

function positiveInt(ctx: Context, name: string): number | undefined {
  const value = ctx.flag<number>(name);
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw usageError(`--${name} must be a positive integer, got ${value}`);
  return value;
}

function priorityOf(ctx: Context): Priority {
  const priority = ctx.flag<string>("priority") ?? "normal";
  if (priority !== "normal" && priority !== "high" && priority !== "critical") {
    throw usageError(`--priority must be normal, high or critical, got ${JSON.stringify(priority)}`);
  }
  return priority;
}

function gpuOf(ctx: Context): QuoteRequest["gpu"] {
  const models = ctx.flag<string[]>("gpu");
  const minVramGb = ctx.flag<number>("min-vram");
  if (models === undefined && minVramGb === undefined) return undefined;
  return { ...(models === undefined || models.length === 0 ? {} : { models }), ...(minVramGb === undefined ? {} : { minVramGb }) };
}

/** The job the flags describe; a spec's dataset is read from IPFS for its shape. */
export async function planJob(ctx: Context): Promise<JobPlan> {
  const specPath = ctx.flag<string>("spec");
  const priority = priorityOf(ctx);
  const gpu = gpuOf(ctx);
  if (specPath !== undefined) {
    for (const name of ["parameters", "samples", "bytes", "tokens", "epochs"]) {
      if (ctx.flags[name] !== undefined) throw usageError(`--${name} cannot be combined with --spec: the spec decides it`);
    }
    const spec = loadSpec(specPath);
    const shape = await datasetShape(ctx, spec.dataset.cid);
    const widths = [shape.features, ...spec.model.hidden, shape.classes];
    const parameters = parameterCount(widths);
    const request: QuoteRequest = {
      model: { parameters },
      // A row of F features is F values: priced as F tokens.
      dataset: { samples: shape.samples, tokensPerSample: shape.features },
      epochs: spec.hyperparameters.epochs,
      priority,
      ...(gpu === undefined ? {} : { gpu }),
    };
    const derivation = `${specPath}: MLP ${widths.join("-")} = ${parameters} parameters, ${shape.samples} samples × ${shape.features} features, ${spec.hyperparameters.epochs} epochs`;
    return { request, derivation, spec, datasetCid: spec.dataset.cid, config: spec as unknown as Record<string, unknown> };
  }
  const parameters = positiveInt(ctx, "parameters");
  const epochs = positiveInt(ctx, "epochs");
  const sizes = (["samples", "bytes", "tokens"] as const).filter((name) => ctx.flags[name] !== undefined);
  if (parameters === undefined || epochs === undefined || sizes.length !== 1) {
    throw usageError("describe the job with --spec FILE, or with --parameters N --epochs N and one of --samples / --bytes / --tokens");
  }
  const size = sizes[0];
  const request: QuoteRequest = {
    model: { parameters },
    dataset: { [size]: positiveInt(ctx, size) },
    epochs,
    priority,
    ...(gpu === undefined ? {} : { gpu }),
  };
  return {
    request,
    derivation: `${parameters} parameters, ${request.dataset[size]} ${size}, ${epochs} epochs`,
    spec: null,
    datasetCid: null,
    config: null,
  };
}

export function parseJobId(text: string): string {
  if (!/^[0-9a-f]{64}$/.test(text)) throw usageError(`a job id is 64 lowercase hex characters, got ${JSON.stringify(text)}`);
  return text;
}
