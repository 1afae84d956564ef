/** Shared inputs of the trainer's tests (no tests in here): small specs, cached datasets. */
import { DEMO_DATASET, demoSpec, generateDatasetBytes, type MixtureParams, type MlpClassifierSpec, PLACEHOLDER_CID } from "../src";

/** A smaller dataset for tests that train several times: 600 samples, same mixture. */
export const SMALL_DATASET: MixtureParams = { ...DEMO_DATASET, samples: 600, seed: 11 };

const cache = new Map<string, Uint8Array>();

export function datasetBytes(params: MixtureParams = DEMO_DATASET): Uint8Array {
  const key = JSON.stringify(params);
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = generateDatasetBytes(params);
    cache.set(key, bytes);
  }
  return bytes;
}

type HyperOverrides = Partial<MlpClassifierSpec["hyperparameters"]>;

/** The demo spec with some hyperparameters changed. */
export function specWith(hyper: HyperOverrides = {}, model: Partial<MlpClassifierSpec["model"]> = {}): MlpClassifierSpec {
  const spec = demoSpec(PLACEHOLDER_CID);
  return { ...spec, model: { ...spec.model, ...model }, hyperparameters: { ...spec.hyperparameters, ...hyper } };
}

/** A quick spec for SMALL_DATASET: 4 epochs of batches of 32. */
export function smallSpec(hyper: HyperOverrides = {}): MlpClassifierSpec {
  return specWith({ epochs: 4, batchSize: 32, learningRate: 0.01, ...hyper });
}

/** The spec as JSON-like data, for the parser's tests. */
export function specJson(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(demoSpec(PLACEHOLDER_CID))) as Record<string, unknown>;
}
