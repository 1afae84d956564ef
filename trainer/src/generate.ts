/**
 * A deterministic synthetic classification dataset, so the demo and the tests need
 * nothing downloaded: a Gaussian mixture in which every class is several clusters
 * (so no single straight line separates a class: the hidden layers have work to do)
 * and clusters of different classes overlap a little (so accuracy ends below 100%
 * and the loss curve has somewhere to fall to).
 *
 *   centres   class c, cluster k: uniform in [−centreRange, centreRange]^F   (stream "centres")
 *   sample i  class i mod C (balanced), cluster uniform in 0..K−1,
 *             x = centre + spread · N(0, I)                                (stream "samples")
 *   order     the samples are then shuffled                                 (stream "order")
 *
 * Same parameters → same bytes → same sha256 (tested), on any Node machine.
 */
import { serializeDataset, type TabularDataset } from "./dataset";
import { permutation, Rng } from "./rng";

export interface MixtureParams {
  readonly seed: number;
  readonly samples: number;
  readonly features: number;
  readonly classes: number;
  readonly clustersPerClass: number;
  /** Standard deviation of every cluster. */
  readonly spread: number;
  /** Cluster centres are uniform in [−centreRange, centreRange] per feature. */
  readonly centreRange: number;
}

/**
 * The demo dataset: 3,000 samples × 8 features, 3 classes of 4 clusters each;
 * 24 + 4·3000·9 = 108,024 bytes.
 */
export const DEMO_DATASET: MixtureParams = {
  seed: 20_250_101,
  samples: 3_000,
  features: 8,
  classes: 3,
  clustersPerClass: 4,
  spread: 1.2,
  centreRange: 2.0,
};

export function generateMixture(params: MixtureParams): TabularDataset {
  const { seed, samples, features, classes, clustersPerClass, spread, centreRange } = params;
  const centres = new Float64Array(classes * clustersPerClass * features);
  const centreRng = Rng.stream(seed, "centres");
  for (let i = 0; i < centres.length; i++) centres[i] = (centreRng.next() * 2 - 1) * centreRange;

  const sampleRng = Rng.stream(seed, "samples");
  const rawX = new Float32Array(samples * features);
  const rawY = new Uint32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % classes;
    const cluster = sampleRng.below(clustersPerClass);
    const base = (label * clustersPerClass + cluster) * features;
    for (let f = 0; f < features; f++) rawX[i * features + f] = centres[base + f] + spread * sampleRng.normal();
    rawY[i] = label;
  }

  // Class i mod C in file order would leak the label through the row index; shuffle it away.
  const order = permutation(samples, Rng.stream(seed, "order"));
  const x = new Float32Array(samples * features);
  const y = new Uint32Array(samples);
  for (let i = 0; i < samples; i++) {
    const from = order[i];
    x.set(rawX.subarray(from * features, (from + 1) * features), i * features);
    y[i] = rawY[from];
  }
  return { samples, features, classes, x, y };
}

/** The dataset of `params` as cyxwiz-tabular@1 bytes (what goes to IPFS). */
export function generateDatasetBytes(params: MixtureParams = DEMO_DATASET): Uint8Array {
  return serializeDataset(generateMixture(params));
}
