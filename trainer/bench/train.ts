/**
 * `npm run bench:train`: trains the demo job once (demoSpec on DEMO_DATASET, the
 * local marketplace's job) and prints what it took: wall time, epochs, first and last
 * epoch loss, the reported metrics, and how long the coordinator's re-evaluation of
 * the result takes. Printed, not asserted: figures depend on the machine.
 */
import { availableParallelism } from "node:os";

import { DEMO_DATASET, demoSpec, evaluateWeights, generateDatasetBytes, PLACEHOLDER_CID, sha256Hex, train } from "../src";

function ms(since: number): string {
  return `${(performance.now() - since).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const spec = demoSpec(PLACEHOLDER_CID);
  let started = performance.now();
  const dataset = generateDatasetBytes(DEMO_DATASET);
  const generatedIn = ms(started);
  console.log(
    `dataset      ${DEMO_DATASET.samples} × ${DEMO_DATASET.features} features, ${DEMO_DATASET.classes} classes, ${dataset.byteLength} bytes, sha256 ${sha256Hex(dataset)} (generated in ${generatedIn})`,
  );
  console.log(
    `model        ${[DEMO_DATASET.features, ...spec.model.hidden, DEMO_DATASET.classes].join("-")} ${spec.model.activation}; ${JSON.stringify(spec.hyperparameters)}, validation ${spec.validation.fraction}`,
  );
  console.log(`machine      ${availableParallelism()} cores, Node ${process.version}, TensorFlow.js CPU backend`);

  started = performance.now();
  const result = await train(spec, dataset, {
    onEpoch: (p) => {
      const line = `epoch ${String(p.epoch).padStart(2)}/${p.epochs}  loss ${p.loss.toFixed(4)}  acc ${p.accuracy.toFixed(3)}  val_loss ${p.validationLoss.toFixed(4)}  val_acc ${p.validationAccuracy.toFixed(3)}  ${(p.elapsedMs / 1000).toFixed(2)} s`;
      console.log(`  ${line}`);
    },
  });
  const wallMs = performance.now() - started;

  const evalStarted = performance.now();
  await evaluateWeights(spec, dataset, result.weights);
  const evalIn = ms(evalStarted);

  const curve = result.lossCurve;
  console.log(`train wall   ${(wallMs / 1000).toFixed(2)} s for ${curve.length} epochs (${(wallMs / curve.length).toFixed(0)} ms/epoch)`);
  console.log(`loss         first epoch ${curve[0].toFixed(4)} → last epoch ${curve[curve.length - 1].toFixed(4)}`);
  console.log(`metrics      ${JSON.stringify(result.metrics)}`);
  console.log(`weights      ${result.weights.byteLength} bytes, sha256 ${result.weightsSha256}`);
  console.log(`re-evaluate  ${evalIn} (what the coordinator spends per proof)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
