/**
 * The train/validation split: a function of the dataset's size, the spec's validation
 * fraction and its seed only, so the coordinator recomputes exactly the rows the node
 * held out without being told them.
 *
 *   V = floor(N × fraction), which must be ≥ 1, and N − V ≥ 1
 *   a permutation of 0..N−1 from the stream (seed, "split"); its first V entries are
 *   the validation rows, the rest the training rows; both sorted ascending, so the
 *   order in which validation losses are summed is fixed too.
 */
import { TrainerError } from "./errors";
import { permutation, Rng } from "./rng";
import type { MlpClassifierSpec } from "./spec";

export interface Split {
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
}

export function splitRows(samples: number, spec: Pick<MlpClassifierSpec, "hyperparameters" | "validation">): Split {
  const held = Math.floor(samples * spec.validation.fraction);
  if (held < 1 || samples - held < 1) {
    throw new TrainerError(
      "DATASET_INVALID",
      `a validation fraction of ${spec.validation.fraction} of ${samples} samples holds out ${held}; at least 1 must be held out and 1 trained on`,
    );
  }
  const order = permutation(samples, Rng.stream(spec.hyperparameters.seed, "split"));
  return { validation: order.slice(0, held).sort(), train: order.slice(held).sort() };
}
