/**
 * The job spec of the built-in declarative kind `cyxwiz/mlp-classifier@1`: the JSON a
 * client submits as the job's config, which a node trains and the coordinator
 * re-evaluates. Everything that changes the trained weights is in here (architecture,
 * hyperparameters with the seed, the dataset's CID, the validation fraction), so two
 * honest nodes given the same spec and dataset produce the same weights, and the
 * coordinator can recompute the validation split from the spec alone.
 *
 * The kind is versioned: what the fields mean (Glorot-uniform init, Adam with
 * β1 0.9 / β2 0.999 / ε 1e-8, softmax cross-entropy, the split rule) is fixed for
 * `@1`; changing any of it is a new kind, never a silent change of this one.
 *
 * Parsing is strict: unknown fields are refused (a typo such as `learning_rate` must
 * not silently train with a default), and every error names its field.
 */
import { specError } from "./errors";

export const MLP_KIND = "cyxwiz/mlp-classifier@1";
export const TABULAR_FORMAT = "cyxwiz-tabular@1";
export const ACTIVATIONS = ["relu", "tanh"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Bounds that keep one job's training and its re-evaluation finite and sane. */
export const SPEC_LIMITS = {
  maxHiddenLayers: 8,
  maxWidth: 1024,
  maxEpochs: 1_000,
  maxBatchSize: 65_536,
  maxLearningRate: 1,
  /** At least one sample must be held out and at least half of them trained on. */
  maxValidationFraction: 0.5,
} as const;

export interface MlpClassifierSpec {
  readonly kind: typeof MLP_KIND;
  readonly model: { readonly hidden: readonly number[]; readonly activation: Activation };
  readonly hyperparameters: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    /** uint32: weight init, per-epoch shuffles and the validation split all derive from it. */
    readonly seed: number;
  };
  readonly dataset: { readonly cid: string; readonly format: typeof TABULAR_FORMAT };
  readonly validation: { readonly fraction: number };
}

/** The coordinator's CID rule (http/schemas.ts): CIDv0 (Qm…) or CIDv1 in base32 (b…) or base58btc (z…). */
const CID_RE = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,200}|z[1-9A-HJ-NP-Za-km-z]{40,200})$/;

type Fields = Readonly<Record<string, unknown>>;

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `value` as an object with exactly the keys `required` (all present, no others). */
function fields(value: unknown, field: string, required: readonly string[]): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw specError(field === "" ? "spec" : field, `must be an object with ${required.join(", ")}, got ${describe(value)}`);
  }
  const record = value as Fields;
  for (const key of Object.keys(record)) {
    if (!required.includes(key)) throw specError(join(field, key), `is not a field of ${MLP_KIND} (allowed here: ${required.join(", ")})`);
  }
  for (const key of required) {
    if (record[key] === undefined) throw specError(join(field, key), "is required");
  }
  return record;
}

function join(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw specError(field, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number with min < value ≤ max. */
function positive(value: unknown, field: string, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw specError(field, `must be a number greater than 0 and at most ${max}, got ${describe(value)}`);
  }
  return value;
}

function exactly<T extends string>(value: unknown, field: string, expected: T): T {
  if (value !== expected) throw specError(field, `must be ${JSON.stringify(expected)}, got ${describe(value)}`);
  return expected;
}

/** Parses and validates a job config as a cyxwiz/mlp-classifier@1 spec; throws SPEC_INVALID naming the field. */
export function parseSpec(config: unknown): MlpClassifierSpec {
  const top = fields(config, "", ["kind", "model", "hyperparameters", "dataset", "validation"]);
  const kind = exactly(top.kind, "kind", MLP_KIND);

  const model = fields(top.model, "model", ["hidden", "activation"]);
  if (!Array.isArray(model.hidden) || model.hidden.length < 1 || model.hidden.length > SPEC_LIMITS.maxHiddenLayers) {
    throw specError("model.hidden", `must be a list of 1 to ${SPEC_LIMITS.maxHiddenLayers} layer widths, got ${describe(model.hidden)}`);
  }
  const hidden = (model.hidden as readonly unknown[]).map((width, i) => integer(width, `model.hidden[${i}]`, 1, SPEC_LIMITS.maxWidth));
  const activation = model.activation;
  if (typeof activation !== "string" || !(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw specError(
      "model.activation",
      `must be one of ${ACTIVATIONS.map((a) => JSON.stringify(a)).join(", ")}, got ${describe(activation)}`,
    );
  }

  const hp = fields(top.hyperparameters, "hyperparameters", ["epochs", "batchSize", "learningRate", "seed"]);
  const hyperparameters = {
    epochs: integer(hp.epochs, "hyperparameters.epochs", 1, SPEC_LIMITS.maxEpochs),
    batchSize: integer(hp.batchSize, "hyperparameters.batchSize", 1, SPEC_LIMITS.maxBatchSize),
    learningRate: positive(hp.learningRate, "hyperparameters.learningRate", SPEC_LIMITS.maxLearningRate),
    seed: integer(hp.seed, "hyperparameters.seed", 0, 0xffff_ffff),
  };

  const dataset = fields(top.dataset, "dataset", ["cid", "format"]);
  if (typeof dataset.cid !== "string" || !CID_RE.test(dataset.cid)) {
    throw specError("dataset.cid", `must be an IPFS CID (Qm…, b… or z…), got ${describe(dataset.cid)}`);
  }
  const format = exactly(dataset.format, "dataset.format", TABULAR_FORMAT);

  const validation = fields(top.validation, "validation", ["fraction"]);
  const fraction = positive(validation.fraction, "validation.fraction", SPEC_LIMITS.maxValidationFraction);

  return {
    kind,
    model: { hidden, activation: activation as Activation },
    hyperparameters,
    dataset: { cid: dataset.cid, format },
    validation: { fraction },
  };
}

/**
 * The spec as canonical JSON (fixed key order): what a checkpoint is bound to, so a
 * checkpoint is never resumed under other hyperparameters.
 */
export function canonicalSpec(spec: MlpClassifierSpec): string {
  return JSON.stringify({
    kind: spec.kind,
    model: { hidden: spec.model.hidden, activation: spec.model.activation },
    hyperparameters: {
      epochs: spec.hyperparameters.epochs,
      batchSize: spec.hyperparameters.batchSize,
      learningRate: spec.hyperparameters.learningRate,
      seed: spec.hyperparameters.seed,
    },
    dataset: { cid: spec.dataset.cid, format: spec.dataset.format },
    validation: { fraction: spec.validation.fraction },
  });
}
