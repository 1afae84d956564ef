/**
 * The built-in kind cyxwiz/mlp-classifier@1 (trainer/): the spec is the job's config,
 * the dataset is the job's datasetCid, and the metrics reported are the ones
 * trainer/src/evaluate.ts computed from the very weights uploaded, which is what the
 * coordinator's evaluator (coordinator/src/proofs/builtin-evaluator.ts) recomputes.
 */
import { type EpochProgress, MLP_KIND, parseSpec, train, TrainerError } from "@cyxwiz/trainer";
import { describeError, type JobContext, type JobExecutor, type JobOutcome } from "./kinds";
import type { OfferInfo } from "./events";

export class MlpClassifierExecutor implements JobExecutor {
  readonly kind = MLP_KIND;

  async check(offer: OfferInfo): Promise<string | null> {
    try {
      const spec = parseSpec(offer.config);
      if (spec.dataset.cid !== offer.datasetCid) {
        return `the spec's dataset.cid ${spec.dataset.cid} is not the job's datasetCid ${offer.datasetCid}; the client must name one dataset`;
      }
      return null;
    } catch (error) {
      return `the job's config is not a valid ${MLP_KIND} spec: ${describeError(error)}`;
    }
  }

  async run(context: JobContext): Promise<JobOutcome> {
    const spec = parseSpec(context.offer.config);
    const dataset = await context.fetchDataset();
    const epochs = spec.hyperparameters.epochs;
    const options = {
      signal: context.signal,
      onEpoch: (progress: EpochProgress) => {
        context.progress(progress.epoch / epochs);
        context.epoch(progress);
      },
      onCheckpoint: (bytes: Uint8Array, epoch: number) => context.checkpoint(bytes, epoch, epochs),
    };
    // This node's own kept checkpoint first; else the offer's (an earlier run's, verified by the coordinator).
    const kept = context.resumeFrom !== undefined;
    const resumeFrom = context.resumeFrom ?? (await context.fetchOfferedCheckpoint()) ?? undefined;
    let result: Awaited<ReturnType<typeof train>>;
    try {
      result = await train(spec, dataset, { ...options, resumeFrom });
    } catch (error) {
      const unusable = error instanceof TrainerError && (error.code === "CHECKPOINT_MISMATCH" || error.code === "CHECKPOINT_INVALID");
      if (!(resumeFrom !== undefined && unusable)) throw error;
      context.log(`the ${kept ? "kept" : "offered"} checkpoint does not fit this job (${error.message}); training from the start`);
      result = await train(spec, dataset, options);
    }
    return { weights: result.weights, metrics: { ...result.metrics } };
  }
}
