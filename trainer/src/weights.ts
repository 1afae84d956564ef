/**
 * `cyxwiz-mlp-weights@1`: a trained MLP's parameters as the node uploads them to IPFS.
 * Its sha256 is the proof hash the escrow release records on chain, so the encoding
 * is fixed byte for byte: little-endian, no padding choices, one order.
 *
 *   offset  size          field
 *   0       4             magic "CYXW"
 *   4       2             format version, u16 = 1
 *   6       1             activation: 0 = relu, 1 = tanh
 *   7       1             reserved, 0
 *   8       4             L = dense layers (hidden layers + the output layer), u32, 1 … 9
 *   12      4·(L+1)       widths w0 … wL, u32: w0 = features, wL = classes
 *   then, for l = 0 … L−1:
 *           4·w_l·w_{l+1} kernel W_l, float32, row-major: W_l[i][j] joins input i to unit j
 *           4·w_{l+1}     bias b_l, float32
 *
 * Total length is exactly what the widths give and every value is finite; anything
 * else is refused (WEIGHTS_INVALID). Layer l computes act(x·W_l + b_l) (no activation
 * on the last layer, whose outputs are the logits).
 */
import { TrainerError } from "./errors";
import { type Activation, ACTIVATIONS, SPEC_LIMITS } from "./spec";

export const WEIGHTS_FORMAT = "cyxwiz-mlp-weights@1";
export const WEIGHTS_MAGIC = "CYXW";
export const WEIGHTS_VERSION = 1;

export interface DenseLayer {
  /** in × out, row-major. */
  readonly kernel: Float32Array;
  /** out. */
  readonly bias: Float32Array;
}

export interface MlpWeights {
  readonly activation: Activation;
  /** [features, ...hidden, classes]. */
  readonly widths: readonly number[];
  readonly layers: readonly DenseLayer[];
}

/** The tensors in the format's fixed order (W0, b0, W1, b1, …), with their shapes. */
export function parameterShapes(widths: readonly number[]): Array<[number, number] | [number]> {
  const shapes: Array<[number, number] | [number]> = [];
  for (let l = 0; l + 1 < widths.length; l++) shapes.push([widths[l], widths[l + 1]], [widths[l + 1]]);
  return shapes;
}

export function parameterCount(widths: readonly number[]): number {
  return parameterShapes(widths).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

function headerBytes(layers: number): number {
  return 12 + 4 * (layers + 1);
}

export function weightsByteLength(widths: readonly number[]): number {
  return headerBytes(widths.length - 1) + 4 * parameterCount(widths);
}

function invalid(message: string): TrainerError<"WEIGHTS_INVALID"> {
  return new TrainerError("WEIGHTS_INVALID", `not ${WEIGHTS_FORMAT} weights: ${message}`);
}

export function serializeWeights(weights: MlpWeights): Uint8Array {
  const { widths, layers } = weights;
  if (layers.length !== widths.length - 1) throw invalid(`${widths.length} widths need ${widths.length - 1} layers, got ${layers.length}`);
  const bytes = new Uint8Array(weightsByteLength(widths));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = WEIGHTS_MAGIC.charCodeAt(i);
  view.setUint16(4, WEIGHTS_VERSION, true);
  view.setUint8(6, ACTIVATIONS.indexOf(weights.activation));
  view.setUint32(8, layers.length, true);
  widths.forEach((width, i) => {
    view.setUint32(12 + 4 * i, width, true);
  });
  let offset = headerBytes(layers.length);
  const write = (values: Float32Array, expected: number, what: string): void => {
    if (values.length !== expected) throw invalid(`${what} must hold ${expected} values, got ${values.length}`);
    for (let i = 0; i < values.length; i++, offset += 4) {
      if (!Number.isFinite(values[i])) throw invalid(`${what} value ${i} is not finite`);
      view.setFloat32(offset, values[i], true);
    }
  };
  layers.forEach((layer, l) => {
    write(layer.kernel, widths[l] * widths[l + 1], `layer ${l} kernel`);
    write(layer.bias, widths[l + 1], `layer ${l} bias`);
  });
  return bytes;
}

export function parseWeights(bytes: Uint8Array): MlpWeights {
  if (bytes.byteLength < 16) throw invalid(`${bytes.byteLength} bytes is too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== WEIGHTS_MAGIC) throw invalid(`magic is ${JSON.stringify(magic)}, expected ${JSON.stringify(WEIGHTS_MAGIC)}`);
  const version = view.getUint16(4, true);
  if (version !== WEIGHTS_VERSION) throw invalid(`version ${version} is not ${WEIGHTS_VERSION}`);
  const activation = ACTIVATIONS[view.getUint8(6)];
  if (activation === undefined) throw invalid(`activation code ${view.getUint8(6)} is not one of 0 (relu), 1 (tanh)`);
  if (view.getUint8(7) !== 0) throw invalid("reserved byte 7 must be 0");
  const count = view.getUint32(8, true);
  if (count < 1 || count > SPEC_LIMITS.maxHiddenLayers + 1) throw invalid(`${count} layers is not 1 to ${SPEC_LIMITS.maxHiddenLayers + 1}`);
  if (bytes.byteLength < headerBytes(count)) throw invalid(`${bytes.byteLength} bytes is too short for ${count} layers' widths`);
  const widths: number[] = [];
  for (let i = 0; i <= count; i++) {
    const width = view.getUint32(12 + 4 * i, true);
    // Bounds before any allocation: a hostile header must not make us allocate gigabytes.
    if (width < 1 || width > 4_096) throw invalid(`width ${i} is ${width}, not 1 to 4096`);
    widths.push(width);
  }
  const expected = weightsByteLength(widths);
  if (bytes.byteLength !== expected) throw invalid(`widths ${widths.join("-")} need ${expected} bytes, the file has ${bytes.byteLength}`);
  let offset = headerBytes(count);
  const read = (length: number, what: string): Float32Array => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++, offset += 4) {
      const value = view.getFloat32(offset, true);
      if (!Number.isFinite(value)) throw invalid(`${what} value ${i} is not finite`);
      out[i] = value;
    }
    return out;
  };
  const layers: DenseLayer[] = [];
  for (let l = 0; l < count; l++) {
    layers.push({ kernel: read(widths[l] * widths[l + 1], `layer ${l} kernel`), bias: read(widths[l + 1], `layer ${l} bias`) });
  }
  return { activation, widths, layers };
}
