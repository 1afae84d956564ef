/**
 * `cyxwiz-tabular@1`: a labelled table of float features, the dataset format of the
 * built-in kind. Binary, little-endian, no compression, so its sha256 and IPFS CID
 * are a function of the numbers alone:
 *
 *   offset  size      field
 *   0       4         magic "CYXT"
 *   4       2         format version, u16 = 1
 *   6       2         reserved, 0
 *   8       4         samples N, u32 (≥ 2)
 *   12      4         features F, u32 (1 … 4096)
 *   16      4         classes C, u32 (2 … 1024)
 *   20      4         reserved, 0
 *   24      4·N·F     features, float32, row-major (sample 0's F values, then sample 1's, …), all finite
 *   24+4NF  4·N       labels, u32, each < C
 *
 * Total length is exactly 24 + 4·N·(F + 1); anything else is refused. Parsing never
 * trusts the header beyond that check, so a hostile file cannot make the reader
 * allocate more than the bytes it was given.
 */
import { createHash } from "node:crypto";

import { TrainerError } from "./errors";
import { TABULAR_FORMAT } from "./spec";

export const DATASET_MAGIC = "CYXT";
export const DATASET_VERSION = 1;
export const DATASET_HEADER_BYTES = 24;
export const DATASET_LIMITS = { maxFeatures: 4_096, minClasses: 2, maxClasses: 1_024, minSamples: 2 } as const;

export interface TabularDataset {
  readonly samples: number;
  readonly features: number;
  readonly classes: number;
  /** N·F values, row-major. */
  readonly x: Float32Array;
  /** N labels in [0, C). */
  readonly y: Uint32Array;
}

/** sha256 of bytes, lowercase hex (datasets, weights and checkpoints alike). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function invalid(message: string): TrainerError<"DATASET_INVALID"> {
  return new TrainerError("DATASET_INVALID", `not a ${TABULAR_FORMAT} dataset: ${message}`);
}

function checkShape(samples: number, features: number, classes: number): void {
  if (!Number.isInteger(samples) || samples < DATASET_LIMITS.minSamples || samples > 0xffff_ffff)
    throw invalid(`samples must be at least ${DATASET_LIMITS.minSamples}, got ${samples}`);
  if (!Number.isInteger(features) || features < 1 || features > DATASET_LIMITS.maxFeatures) {
    throw invalid(`features must be 1 to ${DATASET_LIMITS.maxFeatures}, got ${features}`);
  }
  if (!Number.isInteger(classes) || classes < DATASET_LIMITS.minClasses || classes > DATASET_LIMITS.maxClasses) {
    throw invalid(`classes must be ${DATASET_LIMITS.minClasses} to ${DATASET_LIMITS.maxClasses}, got ${classes}`);
  }
}

export function datasetByteLength(samples: number, features: number): number {
  return DATASET_HEADER_BYTES + 4 * samples * (features + 1);
}

export function serializeDataset(dataset: TabularDataset): Uint8Array {
  const { samples, features, classes, x, y } = dataset;
  checkShape(samples, features, classes);
  if (x.length !== samples * features || y.length !== samples)
    throw invalid(`x must hold N·F = ${samples * features} values and y N = ${samples}`);
  const bytes = new Uint8Array(datasetByteLength(samples, features));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = DATASET_MAGIC.charCodeAt(i);
  view.setUint16(4, DATASET_VERSION, true);
  view.setUint32(8, samples, true);
  view.setUint32(12, features, true);
  view.setUint32(16, classes, true);
  let offset = DATASET_HEADER_BYTES;
  for (let i = 0; i < x.length; i++, offset += 4) {
    if (!Number.isFinite(x[i])) throw invalid(`feature value ${i} is not finite`);
    view.setFloat32(offset, x[i], true);
  }
  for (let i = 0; i < samples; i++, offset += 4) {
    if (y[i] >= classes) throw invalid(`label of sample ${i} is ${y[i]}, not below ${classes}`);
    view.setUint32(offset, y[i], true);
  }
  return bytes;
}

export function parseDataset(bytes: Uint8Array): TabularDataset {
  if (bytes.byteLength < DATASET_HEADER_BYTES)
    throw invalid(`${bytes.byteLength} bytes is shorter than the ${DATASET_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== DATASET_MAGIC) throw invalid(`magic is ${JSON.stringify(magic)}, expected ${JSON.stringify(DATASET_MAGIC)}`);
  const version = view.getUint16(4, true);
  if (version !== DATASET_VERSION) throw invalid(`version ${version} is not ${DATASET_VERSION}`);
  if (view.getUint16(6, true) !== 0 || view.getUint32(20, true) !== 0) throw invalid("reserved header bytes must be 0");
  const samples = view.getUint32(8, true);
  const features = view.getUint32(12, true);
  const classes = view.getUint32(16, true);
  checkShape(samples, features, classes);
  const expected = datasetByteLength(samples, features);
  if (bytes.byteLength !== expected) {
    throw invalid(`the header says ${samples} samples × ${features} features (${expected} bytes), the file has ${bytes.byteLength} bytes`);
  }
  const x = new Float32Array(samples * features);
  let offset = DATASET_HEADER_BYTES;
  for (let i = 0; i < x.length; i++, offset += 4) {
    const value = view.getFloat32(offset, true);
    if (!Number.isFinite(value)) throw invalid(`feature value ${i} (sample ${Math.floor(i / features)}) is not finite`);
    x[i] = value;
  }
  const y = new Uint32Array(samples);
  for (let i = 0; i < samples; i++, offset += 4) {
    const label = view.getUint32(offset, true);
    if (label >= classes) throw invalid(`label of sample ${i} is ${label}, not below the ${classes} classes`);
    y[i] = label;
  }
  return { samples, features, classes, x, y };
}
