/**
 * The demo job: the spec the local marketplace submits and `npm run bench:train`
 * trains, on the generated DEMO_DATASET (generate.ts). Only the dataset's CID is left
 * to the caller, since it is known once the bytes are on IPFS.
 */
import { MLP_KIND, type MlpClassifierSpec, TABULAR_FORMAT } from "./spec";

export function demoSpec(datasetCid: string): MlpClassifierSpec {
  return {
    kind: MLP_KIND,
    model: { hidden: [32, 16], activation: "relu" },
    hyperparameters: { epochs: 20, batchSize: 64, learningRate: 0.003, seed: 7 },
    dataset: { cid: datasetCid, format: TABULAR_FORMAT },
    validation: { fraction: 0.2 },
  };
}

/** A well-formed CID for runs without IPFS (tests, the bench): nothing is ever fetched by it. */
export const PLACEHOLDER_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
