/**
 * The evaluator of the built-in job kind `cyxwiz/mlp-classifier@1` (trainer/): the
 * proof check that the claimed metrics are what the node's weights actually score.
 *
 * It reads the weights (already hash-checked by the verifier) and the dataset through
 * `input.read`, i.e. the verifier's own IPFS reader under the same deadline and size
 * limit, recomputes trainLoss, validationLoss and validationAccuracy with
 * trainer/src/evaluate.ts (the code the node's training used to compute its claim),
 * and compares under the trainer's rule (losses within 1e-4, accuracy exact). The
 * metrics recorded in the verdict are the coordinator's, never the node's.
 *
 * Whose fault a failure is decides how it is answered (evaluators.ts):
 *   weights not cyxwiz-mlp-weights@1, or of another architecture    reproduced: false (the node's upload)
 *   claims that differ, are missing or name unknown metrics        reproduced: false
 *   the job's config is not a valid spec, names another dataset
 *   CID than the job, or the dataset is not cyxwiz-tabular@1       thrown (the client's job: retried, then
 *                                                                   refunded without blaming the node)
 *   IPFS failing while reading                                     thrown IpfsError (the verifier's retry rules)
 */
import { createHash } from "node:crypto";

import {
  checkReproduction,
  evaluateWeights,
  isTrainerError,
  isWeightsFault,
  MLP_KIND,
  type MlpClassifierSpec,
  type ModelEvaluation,
  parseSpec,
} from "@cyxwiz/trainer";
import { CoordinatorError } from "../domain/errors";
import { type Evaluation, type EvaluationInput, type MetricEvaluator, MetricEvaluatorRegistry } from "./evaluators";

export type BuiltinEvaluatorErrorCode =
  /** The job's config is not a valid spec of the kind (the trainer's message names the field). */
  | "SPEC_INVALID"
  /** The spec's dataset.cid is not the job's datasetCid: the client submitted two datasets. */
  | "DATASET_CID_MISMATCH"
  /** The dataset under the CID is not cyxwiz-tabular@1, or too small to split. */
  | "DATASET_INVALID"
  /** Reading the weights again gave other bytes than the hash-checked ones (the coordinator's IPFS misbehaved). */
  | "WEIGHTS_CHANGED";

export class BuiltinEvaluatorError extends CoordinatorError<BuiltinEvaluatorErrorCode> {}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function specOf(input: EvaluationInput): MlpClassifierSpec {
  try {
    return parseSpec(input.config);
  } catch (error) {
    throw new BuiltinEvaluatorError("SPEC_INVALID", `the job's config is not a valid ${MLP_KIND} spec: ${message(error)}`);
  }
}

export class MlpClassifierEvaluator implements MetricEvaluator {
  readonly kind = MLP_KIND;

  async evaluate(input: EvaluationInput): Promise<Evaluation> {
    const spec = specOf(input);
    if (spec.dataset.cid !== input.datasetCid) {
      throw new BuiltinEvaluatorError(
        "DATASET_CID_MISMATCH",
        `the spec's dataset.cid ${spec.dataset.cid} is not the job's datasetCid ${input.datasetCid}; the job names two datasets`,
      );
    }
    // One at a time: the two reads share the verifier's limits, and the weights are the likelier to fail.
    const weights = await input.read(input.weights.cid);
    if (sha256Hex(weights) !== input.weights.sha256) {
      throw new BuiltinEvaluatorError(
        "WEIGHTS_CHANGED",
        `reading ${input.weights.cid} again gave bytes that do not hash to ${input.weights.sha256}`,
      );
    }
    const dataset = await input.read(spec.dataset.cid);
    input.signal.throwIfAborted();

    let evaluation: ModelEvaluation;
    try {
      evaluation = await evaluateWeights(spec, dataset, weights, input.signal);
    } catch (error) {
      if (isWeightsFault(error)) return { reproduced: false, metrics: {}, detail: error.message };
      if (isTrainerError(error, "DATASET_INVALID")) {
        throw new BuiltinEvaluatorError(
          "DATASET_INVALID",
          `the job's dataset ${spec.dataset.cid} cannot be evaluated on: ${error.message}`,
        );
      }
      throw error;
    }
    const check = checkReproduction(input.claimed, evaluation);
    return check.reproduced
      ? { reproduced: true, metrics: evaluation.metrics }
      : { reproduced: false, metrics: evaluation.metrics, detail: check.detail };
  }
}

/** The evaluators every coordinator has: the built-in kinds' (today one). */
export function builtinEvaluators(): MetricEvaluatorRegistry {
  return new MetricEvaluatorRegistry([new MlpClassifierEvaluator()]);
}
