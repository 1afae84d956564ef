/**
 * `cyxwiz-mlp-checkpoint@1`: everything needed to continue a run after epoch E
 * exactly as if it had never stopped (the weights, Adam's state and the per-epoch
 * history), bound to the spec and dataset it came from. The node agent writes one
 * per epoch and resumes from the last after a restart. Little-endian:
 *
 *   offset  size   field
 *   0       4      magic "CYXC"
 *   4       2      format version, u16 = 1
 *   6       2      reserved, 0
 *   8       4      epochs completed E, u32
 *   12      4      optimizer steps t, u32
 *   16      32     binding: sha256(canonical spec JSON + "\n" + dataset sha256 hex)
 *   48      4      W = weights length, u32
 *   52      W      the weights, cyxwiz-mlp-weights@1
 *   52+W    4·P    Adam first moments m, float32, parameter order (P = parameter count)
 *   …       4·P    Adam second moments v, float32
 *   …       32·E   per epoch: loss, accuracy, validationLoss, validationAccuracy, float64
 */
import { createHash } from "node:crypto";

import { TrainerError } from "./errors";
import { canonicalSpec, type MlpClassifierSpec } from "./spec";
import { parameterCount, parseWeights } from "./weights";

export const CHECKPOINT_MAGIC = "CYXC";
export const CHECKPOINT_VERSION = 1;
const HEADER = 52;

export interface EpochRecord {
  /** From 1. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  readonly loss: number;
  /** Training accuracy over the epoch's batches. */
  readonly accuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
}

export interface Checkpoint {
  readonly epoch: number;
  readonly step: number;
  /** Hex; see runBinding. */
  readonly binding: string;
  /** cyxwiz-mlp-weights@1 bytes. */
  readonly weights: Uint8Array;
  /** Flattened in parameter order. */
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly history: readonly EpochRecord[];
}

/** What a checkpoint belongs to: this spec (all of it, seed and epochs included) on this dataset. */
export function runBinding(spec: MlpClassifierSpec, datasetSha256: string): string {
  return createHash("sha256")
    .update(`${canonicalSpec(spec)}\n${datasetSha256}`)
    .digest("hex");
}

function invalid(message: string): TrainerError<"CHECKPOINT_INVALID"> {
  return new TrainerError("CHECKPOINT_INVALID", `not a cyxwiz-mlp-checkpoint@1: ${message}`);
}

export function serializeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { weights, m, v, history } = checkpoint;
  if (history.length !== checkpoint.epoch)
    throw invalid(`${checkpoint.epoch} epochs need ${checkpoint.epoch} history records, got ${history.length}`);
  if (m.length !== v.length) throw invalid("m and v differ in length");
  const bytes = new Uint8Array(HEADER + weights.byteLength + 8 * m.length + 32 * history.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  view.setUint16(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, checkpoint.epoch, true);
  view.setUint32(12, checkpoint.step, true);
  bytes.set(Buffer.from(checkpoint.binding, "hex"), 16);
  view.setUint32(48, weights.byteLength, true);
  bytes.set(weights, HEADER);
  let offset = HEADER + weights.byteLength;
  for (const values of [m, v]) {
    for (let i = 0; i < values.length; i++, offset += 4) view.setFloat32(offset, values[i], true);
  }
  for (const record of history) {
    for (const value of [record.loss, record.accuracy, record.validationLoss, record.validationAccuracy]) {
      view.setFloat64(offset, value, true);
      offset += 8;
    }
  }
  return bytes;
}

export function parseCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.byteLength < HEADER) throw invalid(`${bytes.byteLength} bytes is shorter than its ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== CHECKPOINT_MAGIC) throw invalid(`magic is ${JSON.stringify(magic)}, expected ${JSON.stringify(CHECKPOINT_MAGIC)}`);
  if (view.getUint16(4, true) !== CHECKPOINT_VERSION) throw invalid(`version ${view.getUint16(4, true)} is not ${CHECKPOINT_VERSION}`);
  const epoch = view.getUint32(8, true);
  const step = view.getUint32(12, true);
  const binding = Buffer.from(bytes.subarray(16, 48)).toString("hex");
  const weightsLength = view.getUint32(48, true);
  if (HEADER + weightsLength > bytes.byteLength) throw invalid(`it says ${weightsLength} bytes of weights, more than it holds`);
  const weights = bytes.slice(HEADER, HEADER + weightsLength);
  let params: number;
  try {
    params = parameterCount(parseWeights(weights).widths);
  } catch (error) {
    throw invalid(`its weights: ${error instanceof Error ? error.message : String(error)}`);
  }
  const expected = HEADER + weightsLength + 8 * params + 32 * epoch;
  if (bytes.byteLength !== expected)
    throw invalid(`${epoch} epochs of a ${params}-parameter model need ${expected} bytes, it has ${bytes.byteLength}`);
  let offset = HEADER + weightsLength;
  const moments = (): Float32Array => {
    const out = new Float32Array(params);
    for (let i = 0; i < params; i++, offset += 4) out[i] = view.getFloat32(offset, true);
    return out;
  };
  const m = moments();
  const v = moments();
  const history: EpochRecord[] = [];
  for (let e = 1; e <= epoch; e++) {
    const values = [0, 1, 2, 3].map((k) => view.getFloat64(offset + 8 * k, true));
    offset += 32;
    history.push({ epoch: e, loss: values[0], accuracy: values[1], validationLoss: values[2], validationAccuracy: values[3] });
  }
  return { epoch, step, binding, weights, m, v, history };
}
