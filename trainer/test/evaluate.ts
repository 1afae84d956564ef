/**
 * Re-evaluation: from the weights' bytes alone, the coordinator's code reproduces
 * exactly the metrics training reported; inflated claims, tampered weights, weights
 * of another shape and malformed files are all caught, each with a readable reason.
 */
import { expect } from "chai";

import {
  checkReproduction,
  evaluateWeights,
  forward,
  type ModelEvaluation,
  parseDataset,
  parseWeights,
  REPRODUCE_TOLERANCE,
  serializeWeights,
  toTensors,
  train,
  TrainerError,
  type TrainResult,
} from "../src";
import { tf } from "../src/tf";
import { datasetBytes, SMALL_DATASET, smallSpec } from "./fixtures";

async function refusal(promise: Promise<unknown>): Promise<TrainerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TrainerError) return error;
    throw error;
  }
  return expect.fail("evaluated");
}

describe("trainer evaluate: the coordinator's re-computation of a node's claim", function () {
  this.timeout(30_000);
  const spec = smallSpec();
  const data = () => datasetBytes(SMALL_DATASET);
  let trained: TrainResult;
  let evaluation: ModelEvaluation;

  before(async () => {
    trained = await train(spec, data());
    evaluation = await evaluateWeights(spec, data(), trained.weights);
  });

  it("reproduces training's metrics exactly (same code, same bytes) and the claim passes", () => {
    expect(evaluation.metrics).to.deep.equal(trained.metrics);
    expect(evaluation.validation.samples).to.equal(120);
    expect(evaluation.train.samples).to.equal(480);
    expect(checkReproduction(trained.metrics, evaluation)).to.deep.equal({ reproduced: true });
  });

  it("losses within the tolerance pass, beyond it fail, naming the metric and both values", () => {
    const m = trained.metrics;
    const slack = REPRODUCE_TOLERANCE.loss / 2;
    expect(checkReproduction({ ...m, validationLoss: m.validationLoss - slack }, evaluation).reproduced).to.equal(true);
    const check = checkReproduction({ ...m, validationLoss: m.validationLoss - 2 * REPRODUCE_TOLERANCE.loss }, evaluation);
    expect(check.reproduced).to.equal(false);
    if (check.reproduced) return;
    expect(check.detail).to.match(/^validationLoss on the weights is [0-9.]+, the node claimed [0-9.]+ \(\|Δ\| 0\.0002 > 0\.0001\)$/);
  });

  it("an inflated accuracy is caught even by one row: accuracy is exact", () => {
    const { correct, samples } = evaluation.validation;
    const inflated = { ...trained.metrics, validationAccuracy: (correct + 1) / samples };
    const check = checkReproduction(inflated, evaluation);
    expect(check).to.deep.include({ reproduced: false });
    if (check.reproduced) return;
    expect(check.detail).to.contain(`the weights classify ${correct} of ${samples} validation rows correctly`);
    expect(checkReproduction({ ...trained.metrics, trainLoss: trained.metrics.trainLoss / 2 }, evaluation).reproduced).to.equal(false);
  });

  it("a claim must name exactly trainLoss, validationLoss and validationAccuracy", () => {
    const { trainLoss, validationLoss } = trained.metrics;
    const missing = checkReproduction({ trainLoss, validationLoss }, evaluation);
    expect(missing).to.deep.equal({ reproduced: false, detail: "claims no validationAccuracy" });
    const extra = checkReproduction({ ...trained.metrics, f1: 0.99 }, evaluation);
    expect(extra.reproduced).to.equal(false);
    if (!extra.reproduced) expect(extra.detail).to.match(/^claims metrics this kind does not define \(f1\)/);
  });

  it("tampered weights (one kernel value changed, re-hashed by the cheat) no longer reproduce the claim", async () => {
    const weights = parseWeights(trained.weights);
    const kernel = Float32Array.from(weights.layers[2].kernel);
    kernel[0] += 5;
    const tampered = serializeWeights({ ...weights, layers: [weights.layers[0], weights.layers[1], { ...weights.layers[2], kernel }] });
    const check = checkReproduction(trained.metrics, await evaluateWeights(spec, data(), tampered));
    expect(check.reproduced).to.equal(false);
    if (!check.reproduced) expect(check.detail).to.match(/trainLoss on the weights is/);
  });

  it("untrained (initial) weights with the trained run's claim are caught", async () => {
    const untrained = await train(smallSpec({ epochs: 1, learningRate: 1e-6 }), data());
    const check = checkReproduction(trained.metrics, await evaluateWeights(spec, data(), untrained.weights));
    expect(check.reproduced).to.equal(false);
  });

  it("weights of another architecture: WEIGHTS_MISMATCH naming both shapes", async () => {
    const other = await train({ ...smallSpec({ epochs: 1 }), model: { hidden: [8], activation: "relu" } }, data());
    const error = await refusal(evaluateWeights(spec, data(), other.weights));
    expect(error.code).to.equal("WEIGHTS_MISMATCH");
    expect(error.message).to.equal("the weights are a 8-8-3 relu MLP; the spec and dataset call for 8-32-16-3 relu");
    const tanh = { ...spec, model: { ...spec.model, activation: "tanh" as const } };
    expect((await refusal(evaluateWeights(tanh, data(), trained.weights))).code).to.equal("WEIGHTS_MISMATCH");
  });

  it("malformed weights: WEIGHTS_INVALID (truncated, bad magic, NaN), checked before any allocation", async () => {
    const truncated = await refusal(evaluateWeights(spec, data(), trained.weights.subarray(0, 100)));
    expect(truncated.code).to.equal("WEIGHTS_INVALID");
    expect(truncated.message).to.match(/need 3496 bytes, the file has 100/);
    const garbage = await refusal(evaluateWeights(spec, data(), new TextEncoder().encode('{"w": [1, 2, 3]}')));
    expect(garbage.message).to.match(/magic is "\{\\"w\\""/);
    const nan = Uint8Array.from(trained.weights);
    new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
    expect((await refusal(evaluateWeights(spec, data(), nan))).message).to.match(/layer 2 bias value 2 is not finite/);
    const huge = Uint8Array.from(trained.weights);
    new DataView(huge.buffer).setUint32(12, 0xffff_ffff, true);
    expect((await refusal(evaluateWeights(spec, data(), huge))).message).to.match(/width 0 is 4294967295, not 1 to 4096/);
  });

  it("a bad dataset is the dataset's error (DATASET_INVALID), found before the weights are read", async () => {
    const error = await refusal(evaluateWeights(spec, new Uint8Array(30), new Uint8Array(3)));
    expect(error.code).to.equal("DATASET_INVALID");
  });

  it("a row's logits are the same alone as in a batch (so chunking never changes a metric)", () => {
    const dataset = parseDataset(data());
    const params = toTensors(parseWeights(trained.weights));
    try {
      const batch = tf.tidy(() => forward(params, "relu", tf.tensor2d(dataset.x.subarray(0, 64 * 8), [64, 8])).dataSync());
      for (const row of [0, 17, 63]) {
        const alone = tf.tidy(() => forward(params, "relu", tf.tensor2d(dataset.x.subarray(row * 8, row * 8 + 8), [1, 8])).dataSync());
        expect(Array.from(alone)).to.deep.equal(Array.from(batch.subarray(row * 3, row * 3 + 3)));
      }
    } finally {
      for (const t of params) t.dispose();
    }
  });
});
