/**
 * Re-evaluating a node's weights: what the coordinator runs before it pays.
 *
 * Given the weights' bytes, the dataset's bytes and the spec, recompute trainLoss,
 * validationLoss and validationAccuracy exactly as training reported them: the same
 * split (splitRows: a function of N, the fraction and the seed), the same forward pass
 * and the same loss definition (metrics.ts). Training computes its reported metrics by
 * calling this very module on the bytes it uploads, so an honest report reproduces
 * bit-for-bit on the same build, and within the tolerance below anywhere else.
 *
 * What "reproduce" means (checkReproduction):
 *   - the claim names exactly trainLoss, validationLoss and validationAccuracy;
 *   - each loss is within REPRODUCE_TOLERANCE.loss (1e-4 nats, absolute) of the
 *     recomputed one;
 *   - validationAccuracy names the same number of correctly classified validation
 *     rows: |claimed − correct / V| < 0.5 / V, i.e. accuracy is exact.
 *
 * Why that is sound: the coordinator computes the metrics itself from the weights it
 * fetched and hash-checked (the sha256 that goes on chain), so the numbers it records
 * are properties of those bytes, not the node's word; a node can only claim what its
 * weights score. The tolerance is slack for honest differences only: the logits use
 * just + and × in float32 (exactly specified in JavaScript), so accuracy does not
 * move between machines; the loss adds exp/log in float64, whose last-ulp differences
 * between engines (~1e-16 relative) are twelve orders of magnitude below 1e-4, so the
 * slack buys a cheater nothing measurable.
 *
 * What it does not prove: that the weights came from training (only that the claim is
 * true of them), nor that the node did not also fit the validation rows, which it can
 * compute from the spec like anyone. Those need a client-set quality bar and a
 * held-out set the node never sees (see trainer/README.md).
 */
import { parseDataset, type TabularDataset } from "./dataset";
import { TrainerError } from "./errors";
import { scoreRows, type Score } from "./metrics";
import { checkArchitecture, toTensors } from "./model";
import type { MlpClassifierSpec } from "./spec";
import { splitRows } from "./split";
import { type MlpWeights, parseWeights } from "./weights";

export const REPRODUCE_TOLERANCE = {
  /** |claimed − recomputed| for trainLoss and validationLoss, nats. */
  loss: 1e-4,
} as const;

export const METRIC_NAMES = ["trainLoss", "validationLoss", "validationAccuracy"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** What a node reports and the coordinator records (a type alias, so it is a Record<string, number>). */
export type MlpMetrics = { readonly [name in MetricName]: number };

export interface ModelEvaluation {
  readonly metrics: MlpMetrics;
  readonly train: Score;
  readonly validation: Score;
}

/**
 * Evaluates parsed weights on a parsed dataset; WEIGHTS_MISMATCH if their shape is not
 * the spec's. Asynchronous only to yield between chunks (metrics.ts); `signal` stops it.
 */
export async function evaluateParsed(
  spec: MlpClassifierSpec,
  data: TabularDataset,
  weights: MlpWeights,
  signal?: AbortSignal,
): Promise<ModelEvaluation> {
  checkArchitecture(weights, spec, data);
  const split = splitRows(data.samples, spec);
  const params = toTensors(weights);
  try {
    const train = await scoreRows(params, weights.activation, data, split.train, signal);
    const validation = await scoreRows(params, weights.activation, data, split.validation, signal);
    return {
      metrics: { trainLoss: train.loss, validationLoss: validation.loss, validationAccuracy: validation.accuracy },
      train,
      validation,
    };
  } finally {
    for (const tensor of params) tensor.dispose();
  }
}

/**
 * Evaluates weights bytes on dataset bytes. The dataset is parsed first, so a bad
 * dataset (the client's) fails with DATASET_INVALID before the weights (the node's)
 * are looked at; bad weights fail with WEIGHTS_INVALID or WEIGHTS_MISMATCH.
 */
export async function evaluateWeights(
  spec: MlpClassifierSpec,
  datasetBytes: Uint8Array,
  weightsBytes: Uint8Array,
  signal?: AbortSignal,
): Promise<ModelEvaluation> {
  const data = parseDataset(datasetBytes);
  return evaluateParsed(spec, data, parseWeights(weightsBytes), signal);
}

export type ReproductionCheck = { readonly reproduced: true } | { readonly reproduced: false; readonly detail: string };

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}

/** Whether `claimed` is what `evaluation` measured, under the rule above; `detail` names every difference. */
export function checkReproduction(claimed: Readonly<Record<string, number>>, evaluation: ModelEvaluation): ReproductionCheck {
  const problems: string[] = [];
  const unknown = Object.keys(claimed).filter((name) => !(METRIC_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0)
    problems.push(`claims metrics this kind does not define (${unknown.join(", ")}); it reports exactly ${METRIC_NAMES.join(", ")}`);
  const missing = METRIC_NAMES.filter((name) => claimed[name] === undefined);
  if (missing.length > 0) problems.push(`claims no ${missing.join(", ")}`);

  for (const name of ["trainLoss", "validationLoss"] as const) {
    const value = claimed[name];
    if (value === undefined) continue;
    const actual = evaluation.metrics[name];
    const delta = Math.abs(value - actual);
    if (!(delta <= REPRODUCE_TOLERANCE.loss)) {
      problems.push(
        `${name} on the weights is ${fmt(actual)}, the node claimed ${fmt(value)} (|Δ| ${fmt(delta)} > ${REPRODUCE_TOLERANCE.loss})`,
      );
    }
  }
  const accuracy = claimed.validationAccuracy;
  if (accuracy !== undefined) {
    const { correct, samples } = evaluation.validation;
    if (!(Math.abs(accuracy - correct / samples) < 0.5 / samples)) {
      problems.push(
        `the weights classify ${correct} of ${samples} validation rows correctly (validationAccuracy ${fmt(correct / samples)}), the node claimed ${fmt(accuracy)}`,
      );
    }
  }
  return problems.length === 0 ? { reproduced: true } : { reproduced: false, detail: problems.join("; ") };
}

/** Typed guard for callers that sort failures by fault. */
export function isWeightsFault(error: unknown): error is TrainerError<"WEIGHTS_INVALID" | "WEIGHTS_MISMATCH"> {
  return error instanceof TrainerError && (error.code === "WEIGHTS_INVALID" || error.code === "WEIGHTS_MISMATCH");
}
