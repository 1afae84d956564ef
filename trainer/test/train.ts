/**
 * Training: deterministic (same seed → same weights sha256), the loss really falls
 * and accuracy ends well above chance, progress arrives per epoch, checkpoints resume
 * bit-identically, cancellation stops it within a batch, and no tensor leaks.
 */
import { expect } from "chai";

import { type EpochProgress, parseCheckpoint, parseWeights, sha256Hex, train, TrainerError, type TrainResult } from "../src";
import { tf } from "../src/tf";
import { datasetBytes, SMALL_DATASET, smallSpec, specWith } from "./fixtures";

async function rejection(promise: Promise<unknown>): Promise<TrainerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TrainerError) return error;
    throw error;
  }
  return expect.fail("training finished");
}

describe("trainer train: the demo spec on the demo dataset", function () {
  this.timeout(60_000);
  let demo: TrainResult;
  const progress: EpochProgress[] = [];
  let tensorsBefore = 0;

  before(async () => {
    tensorsBefore = tf.memory().numTensors;
    demo = await train(specWith(), datasetBytes(), { onEpoch: (p) => void progress.push(p) });
  });

  it("the loss really falls: last epoch's loss < 60% of the first's, and falls over most epochs", () => {
    const curve = demo.lossCurve;
    expect(curve).to.have.length(20);
    expect(curve[0]).to.be.above(0.8);
    expect(curve[19], `curve ${curve.map((x) => x.toFixed(3)).join(" ")}`).to.be.below(0.6 * curve[0]);
    const falls = curve.slice(1).filter((loss, i) => loss < curve[i]).length;
    expect(falls).to.be.at.least(14);
  });

  it("validation accuracy ends far above chance (1/3) and the reported metrics are consistent", () => {
    expect(demo.metrics.validationAccuracy).to.be.above(0.7);
    expect(demo.metrics.validationLoss).to.be.below(0.6);
    expect(demo.metrics.trainLoss).to.be.below(demo.lossCurve[0]);
    expect(Object.keys(demo.metrics).sort()).to.deep.equal(["trainLoss", "validationAccuracy", "validationLoss"]);
  });

  it("reports progress once per epoch, 1…20, with loss and accuracy", () => {
    expect(progress.map((p) => p.epoch)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const p of progress) {
      expect(p.epochs).to.equal(20);
      expect(p.accuracy).to.be.within(0, 1);
      expect(p.validationAccuracy).to.be.within(0, 1);
      expect(p.loss).to.be.above(0);
    }
    expect(progress.map((p) => p.loss)).to.deep.equal([...demo.lossCurve]);
    expect(progress[19].elapsedMs).to.be.above(progress[0].elapsedMs);
  });

  it("the weights are a 8-32-16-3 relu MLP in cyxwiz-mlp-weights@1, hashed as reported", () => {
    const weights = parseWeights(demo.weights);
    expect(weights.widths).to.deep.equal([8, 32, 16, 3]);
    expect(weights.activation).to.equal("relu");
    expect(demo.weights.byteLength).to.equal(12 + 4 * 4 + 4 * (8 * 32 + 32 + 32 * 16 + 16 + 16 * 3 + 3));
    expect(demo.weightsSha256).to.equal(sha256Hex(demo.weights));
    expect(demo.datasetSha256).to.equal(sha256Hex(datasetBytes()));
  });

  it("leaves no tensor behind", () => {
    expect(tf.memory().numTensors).to.equal(tensorsBefore);
  });
});

describe("trainer train: determinism, checkpoints, cancellation", function () {
  this.timeout(60_000);
  const data = () => datasetBytes(SMALL_DATASET);

  it("same spec and dataset → the same weights sha256, run after run; another seed → other weights", async () => {
    const a = await train(smallSpec(), data());
    const b = await train(smallSpec(), data());
    expect(b.weightsSha256).to.equal(a.weightsSha256);
    expect(b.metrics).to.deep.equal(a.metrics);
    expect(b.lossCurve).to.deep.equal(a.lossCurve);
    const c = await train(smallSpec({ seed: 8 }), data());
    expect(c.weightsSha256).to.not.equal(a.weightsSha256);
  });

  it("the tanh activation trains too (the loss falls) and its weights say tanh", async () => {
    const result = await train({ ...smallSpec({ epochs: 6 }), model: { hidden: [16], activation: "tanh" } }, data());
    expect(result.lossCurve[5]).to.be.below(0.8 * result.lossCurve[0]);
    expect(parseWeights(result.weights)).to.include({ activation: "tanh" });
  });

  it("checkpoints every epoch; resuming from epoch 2 gives the uninterrupted run's weights bit for bit", async () => {
    const checkpoints: Uint8Array[] = [];
    const full = await train(smallSpec(), data(), { onCheckpoint: (bytes, epoch) => void (checkpoints[epoch] = bytes) });
    expect(checkpoints.filter(Boolean)).to.have.length(4);
    const second = parseCheckpoint(checkpoints[2]);
    expect(second).to.include({ epoch: 2 });
    expect(second.history.map((r) => r.loss)).to.deep.equal(full.lossCurve.slice(0, 2));

    const resumed: number[] = [];
    const rest = await train(smallSpec(), data(), { resumeFrom: checkpoints[2], onEpoch: (p) => void resumed.push(p.epoch) });
    expect(resumed).to.deep.equal([3, 4]);
    expect(rest.weightsSha256).to.equal(full.weightsSha256);
    expect(rest.lossCurve).to.deep.equal(full.lossCurve);
  });

  it("refuses a checkpoint of another spec (CHECKPOINT_MISMATCH) or a damaged one (CHECKPOINT_INVALID)", async () => {
    let checkpoint: Uint8Array | null = null;
    await train(smallSpec({ epochs: 1 }), data(), { onCheckpoint: (bytes) => void (checkpoint = bytes) });
    if (checkpoint === null) return expect.fail("no checkpoint");
    const bytes: Uint8Array = checkpoint;
    expect((await rejection(train(smallSpec({ epochs: 1, seed: 9 }), data(), { resumeFrom: bytes }))).code).to.equal("CHECKPOINT_MISMATCH");
    expect((await rejection(train(smallSpec({ epochs: 1 }), data(), { resumeFrom: bytes.subarray(0, bytes.length - 8) }))).code).to.equal(
      "CHECKPOINT_INVALID",
    );
  });

  it("cancellation from the progress callback stops before the next epoch: TRAINING_ABORTED", async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const before = tf.memory().numTensors;
    const error = await rejection(
      train(smallSpec({ epochs: 50 }), data(), {
        signal: controller.signal,
        onEpoch: (p) => {
          epochs.push(p.epoch);
          if (p.epoch === 2) controller.abort();
        },
      }),
    );
    expect(error.code).to.equal("TRAINING_ABORTED");
    expect(error.message).to.match(/^training was cancelled in epoch 3/);
    expect(epochs).to.deep.equal([1, 2]);
    expect(tf.memory().numTensors, "tensors disposed on abort").to.equal(before);
  });

  it("an abort from a timer lands within one batch, mid-epoch (the loop yields to the event loop)", async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const started = performance.now();
    setTimeout(() => controller.abort(new Error("node shutting down")), 150);
    const error = await rejection(
      train(specWith({ epochs: 1_000 }), datasetBytes(), { signal: controller.signal, onEpoch: (p) => void epochs.push(p.epoch) }),
    );
    const tookMs = performance.now() - started;
    expect(error.code).to.equal("TRAINING_ABORTED");
    expect(error.message).to.match(/: node shutting down$/);
    expect(tookMs, "stopped soon after the abort").to.be.below(1_000);
    expect(epochs.length).to.be.below(20);
  });

  it("a signal aborted before the start trains nothing", async () => {
    const error = await rejection(train(smallSpec(), data(), { signal: AbortSignal.abort() }));
    expect(error).to.include({ code: "TRAINING_ABORTED" });
    expect(error.message).to.match(/before it started/);
  });
});
