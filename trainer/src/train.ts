/**
 * Training a cyxwiz/mlp-classifier@1 job: what a node agent runs.
 *
 * Deterministic: the same spec and dataset bytes give the same weights bytes (and so
 * the same sha256) run after run: the initial weights, each epoch's shuffle and the
 * validation split come from the spec's seed (rng.ts), the optimizer is our Adam over
 * tfjs CPU kernels (no threads, fixed summation order), and nothing reads the clock.
 *
 *   per epoch   shuffle the training rows (stream (seed, "shuffle", epoch)), then
 *               mini-batches of batchSize (the last may be smaller): softmax
 *               cross-entropy, gradients by tfjs autodiff, one Adam step each;
 *               then the validation score, onEpoch(progress), onCheckpoint(bytes)
 *   at the end  the weights serialised (weights.ts); the reported metrics computed by
 *               evaluate.ts from those very bytes, so the claim is by construction
 *               what the coordinator's re-evaluation computes
 *
 * The loop yields to the event loop before every batch, so an AbortSignal (and a node
 * agent's heartbeats in the same process) are served within one batch's time; an
 * abort throws TRAINING_ABORTED. Every tensor is disposed, whatever happens.
 */
import { type AdamState, adamInit, adamStep, disposeAdam } from "./adam";
import { type EpochRecord, parseCheckpoint, runBinding, serializeCheckpoint } from "./checkpoint";
import { parseDataset, sha256Hex, type TabularDataset } from "./dataset";
import { TrainerError } from "./errors";
import { evaluateParsed, type MlpMetrics } from "./evaluate";
import { scoreRows, countCorrect } from "./metrics";
import { architecture, checkArchitecture, forward, fromTensors, gatherRows, initialWeights, toTensors } from "./model";
import { permutation, Rng } from "./rng";
import type { MlpClassifierSpec } from "./spec";
import { splitRows } from "./split";
import { tf } from "./tf";
import { parameterShapes, parseWeights, serializeWeights } from "./weights";

export interface EpochProgress extends EpochRecord {
  readonly epochs: number;
  /** Since train() was called (a resumed run counts from its resumption). */
  readonly elapsedMs: number;
}

export interface TrainOptions {
  /** After every epoch (awaited): for progress bars and heartbeats' progress. */
  readonly onEpoch?: (progress: EpochProgress) => void | Promise<void>;
  /** After every epoch (awaited): a cyxwiz-mlp-checkpoint@1 to keep for resuming. */
  readonly onCheckpoint?: (checkpoint: Uint8Array, epoch: number) => void | Promise<void>;
  /** Stops training within one batch; train() then rejects with TRAINING_ABORTED. */
  readonly signal?: AbortSignal;
  /** Continue from a checkpoint of this same spec and dataset. */
  readonly resumeFrom?: Uint8Array;
}

export interface TrainResult {
  /** cyxwiz-mlp-weights@1: what the node uploads to IPFS. */
  readonly weights: Uint8Array;
  /** sha256 of `weights`, hex: what the node reports and the release records. */
  readonly weightsSha256: string;
  /** What the node reports as its metrics (and the coordinator recomputes). */
  readonly metrics: MlpMetrics;
  /** Mean training loss per epoch, epoch 1 first (not part of the proof: history, not a property of the weights). */
  readonly lossCurve: readonly number[];
  readonly history: readonly EpochRecord[];
  readonly datasetSha256: string;
}

interface RunState {
  params: tf.Tensor[];
  adam: AdamState;
  epoch: number;
  history: EpochRecord[];
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function startState(spec: MlpClassifierSpec, data: TabularDataset, binding: string, resumeFrom: Uint8Array | undefined): RunState {
  if (resumeFrom === undefined) {
    const params = toTensors(initialWeights(spec, data));
    return { params, adam: adamInit(params), epoch: 0, history: [] };
  }
  const checkpoint = parseCheckpoint(resumeFrom);
  if (checkpoint.binding !== binding) {
    throw new TrainerError("CHECKPOINT_MISMATCH", "the checkpoint belongs to another spec or dataset than this run; start without it");
  }
  if (checkpoint.epoch > spec.hyperparameters.epochs)
    throw new TrainerError(
      "CHECKPOINT_MISMATCH",
      `the checkpoint is at epoch ${checkpoint.epoch}, past the spec's ${spec.hyperparameters.epochs}`,
    );
  const weights = parseWeights(checkpoint.weights);
  checkArchitecture(weights, spec, data);
  const params = toTensors(weights);
  const shapes = parameterShapes(weights.widths);
  const unflatten = (flat: Float32Array): tf.Tensor[] => {
    let offset = 0;
    return shapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = flat.subarray(offset, offset + size);
      offset += size;
      return tf.tensor(values, shape);
    });
  };
  return {
    params,
    adam: { step: checkpoint.step, m: unflatten(checkpoint.m), v: unflatten(checkpoint.v) },
    epoch: checkpoint.epoch,
    history: [...checkpoint.history],
  };
}

function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  const parts = tensors.map((t) => t.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function checkAbort(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
    throw new TrainerError("TRAINING_ABORTED", `training was cancelled ${where}${reason}`);
  }
}

/** One mini-batch: forward, loss, gradients, Adam. Returns the batch's mean loss and correct count. */
function trainBatch(
  state: RunState,
  spec: MlpClassifierSpec,
  data: TabularDataset,
  rows: Uint32Array,
  start: number,
  end: number,
): { loss: number; correct: number } {
  const size = end - start;
  const labels = new Uint32Array(size);
  const oneHot = new Float32Array(size * data.classes);
  for (let i = 0; i < size; i++) {
    labels[i] = data.y[rows[start + i]];
    oneHot[i * data.classes + labels[i]] = 1;
  }
  const x = tf.tensor2d(gatherRows(data, rows, start, end), [size, data.features]);
  const y = tf.tensor2d(oneHot, [size, data.classes]);
  let logits: tf.Tensor | null = null;
  const lossOf = tf.valueAndGrads((...params: tf.Tensor[]) => {
    const z = forward(params, spec.model.activation, x);
    logits = tf.keep(z);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)));
  });
  const { value, grads } = lossOf(state.params);
  const next = adamStep(state.params, grads, state.adam, spec.hyperparameters.learningRate);
  const loss = value.dataSync()[0];
  const kept = logits as tf.Tensor | null;
  const correct = kept === null ? 0 : countCorrect(kept.dataSync() as Float32Array, data.classes, labels);
  for (const t of [x, y, value, ...grads, ...state.params]) t.dispose();
  kept?.dispose();
  disposeAdam(state.adam);
  state.params = next.params;
  state.adam = next.state;
  return { loss, correct };
}

/** Trains `spec` on the cyxwiz-tabular@1 `datasetBytes`; see the module comment. */
export async function train(spec: MlpClassifierSpec, datasetBytes: Uint8Array, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const { signal } = options;
  const data = parseDataset(datasetBytes);
  const datasetSha256 = sha256Hex(datasetBytes);
  const binding = runBinding(spec, datasetSha256);
  const split = splitRows(data.samples, spec);
  const { epochs, batchSize, seed } = spec.hyperparameters;
  const widths = architecture(spec, data);
  checkAbort(signal, "before it started");
  const state = startState(spec, data, binding, options.resumeFrom);
  try {
    while (state.epoch < epochs) {
      const epoch = state.epoch + 1;
      const order = permutation(split.train.length, Rng.stream(seed, "shuffle", epoch));
      const rows = order.map((i) => split.train[i]);
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < rows.length; start += batchSize) {
        await nextTick();
        checkAbort(signal, `in epoch ${epoch}`);
        const end = Math.min(start + batchSize, rows.length);
        const batch = trainBatch(state, spec, data, rows, start, end);
        lossSum += batch.loss * (end - start);
        correct += batch.correct;
      }
      const validation = await scoreRows(state.params, spec.model.activation, data, split.validation);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / rows.length,
        accuracy: correct / rows.length,
        validationLoss: validation.loss,
        validationAccuracy: validation.accuracy,
      };
      state.history.push(record);
      state.epoch = epoch;
      await options.onEpoch?.({ ...record, epochs, elapsedMs: performance.now() - started });
      if (options.onCheckpoint !== undefined) {
        const checkpoint = serializeCheckpoint({
          epoch,
          step: state.adam.step,
          binding,
          weights: serializeWeights(fromTensors(state.params, spec.model.activation, widths)),
          m: flatten(state.adam.m),
          v: flatten(state.adam.v),
          history: state.history,
        });
        await options.onCheckpoint(checkpoint, epoch);
      }
    }
    const weights = serializeWeights(fromTensors(state.params, spec.model.activation, widths));
    // The claim is computed from the uploaded bytes by the coordinator's own code path.
    const evaluation = await evaluateParsed(spec, data, parseWeights(weights));
    return {
      weights,
      weightsSha256: sha256Hex(weights),
      metrics: evaluation.metrics,
      lossCurve: state.history.map((record) => record.loss),
      history: state.history,
      datasetSha256,
    };
  } finally {
    for (const t of state.params) t.dispose();
    disposeAdam(state.adam);
  }
}
