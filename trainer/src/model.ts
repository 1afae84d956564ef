/**
 * The MLP itself: its architecture from spec + dataset, its seeded initial weights,
 * and its forward pass in TensorFlow.js. Training and evaluation both run exactly this
 * forward pass, so what a node measured is what the coordinator measures.
 */
import { TrainerError } from "./errors";
import type { TabularDataset } from "./dataset";
import { Rng } from "./rng";
import type { Activation, MlpClassifierSpec } from "./spec";
import { tf } from "./tf";
import { type DenseLayer, type MlpWeights, parameterShapes } from "./weights";

/** [features, ...hidden, classes]: the widths the weights must have. */
export function architecture(spec: MlpClassifierSpec, data: Pick<TabularDataset, "features" | "classes">): number[] {
  return [data.features, ...spec.model.hidden, data.classes];
}

/**
 * Glorot-uniform kernels (limit √(6 / (in + out))), zero biases: Keras' default for
 * dense layers. Drawn from stream (seed, "init", layer) with only IEEE-exact
 * arithmetic (√ is correctly rounded), so the initial weights are bit-identical everywhere.
 */
export function initialWeights(spec: MlpClassifierSpec, data: Pick<TabularDataset, "features" | "classes">): MlpWeights {
  const widths = architecture(spec, data);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l];
    const fanOut = widths[l + 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const rng = Rng.stream(spec.hyperparameters.seed, "init", l);
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (rng.next() * 2 - 1) * limit;
    layers.push({ kernel, bias: new Float32Array(fanOut) });
  }
  return { activation: spec.model.activation, widths, layers };
}

/** Refuses weights of another architecture than the spec and dataset give (the node's fault). */
export function checkArchitecture(weights: MlpWeights, spec: MlpClassifierSpec, data: Pick<TabularDataset, "features" | "classes">): void {
  const expected = architecture(spec, data);
  if (weights.widths.join("-") !== expected.join("-") || weights.activation !== spec.model.activation) {
    throw new TrainerError(
      "WEIGHTS_MISMATCH",
      `the weights are a ${weights.widths.join("-")} ${weights.activation} MLP; the spec and dataset call for ${expected.join("-")} ${spec.model.activation}`,
    );
  }
}

/** The parameters as tensors in the format's order (W0, b0, W1, b1, …); the caller disposes them. */
export function toTensors(weights: MlpWeights): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  weights.layers.forEach((layer, l) => {
    out.push(tf.tensor2d(layer.kernel, [weights.widths[l], weights.widths[l + 1]]));
    out.push(tf.tensor1d(layer.bias));
  });
  return out;
}

/** Reads tensors (in the format's order) back into weights. */
export function fromTensors(params: readonly tf.Tensor[], activation: Activation, widths: readonly number[]): MlpWeights {
  const shapes = parameterShapes(widths);
  if (params.length !== shapes.length)
    throw new TrainerError("WEIGHTS_MISMATCH", `widths ${widths.join("-")} need ${shapes.length} parameter tensors, got ${params.length}`);
  const layers: DenseLayer[] = [];
  for (let i = 0; i < params.length; i += 2) {
    // dataSync returns the backend's own array; copy so later ops cannot alias it.
    layers.push({ kernel: Float32Array.from(params[i].dataSync()), bias: Float32Array.from(params[i + 1].dataSync()) });
  }
  return { activation, widths: [...widths], layers };
}

function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tf.tanh(x);
  }
}

/**
 * Logits of the rows of `x`: act(x·W0 + b0) … then ·W_L + b_L without activation.
 * Each output row depends on its input row only (the CPU kernels sum every row in
 * the same order whatever the batch), so chunking never changes a row's logits.
 */
export function forward(params: readonly tf.Tensor[], activation: Activation, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  const last = params.length / 2 - 1;
  for (let l = 0; l <= last; l++) {
    const z = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor2D), params[2 * l + 1]) as tf.Tensor2D;
    h = l === last ? z : activate(z, activation);
  }
  return h;
}

/** The features of `rows[start, end)` as one row-major block. */
export function gatherRows(data: TabularDataset, rows: ArrayLike<number>, start: number, end: number): Float32Array {
  const F = data.features;
  const out = new Float32Array((end - start) * F);
  for (let i = start; i < end; i++) out.set(data.x.subarray(rows[i] * F, rows[i] * F + F), (i - start) * F);
  return out;
}
