/** A job draft of the client's form and the cyxwiz/mlp-classifier@1 spec it stands for. */
import { MLP_KIND, TABULAR_FORMAT } from "@cyxwiz/trainer/spec";
import type { Priority } from "../../api";

export const SIZES: Record<string, { label: string; hidden: number[] }> = {
  small: { label: "small (16)", hidden: [16] },
  medium: { label: "medium (32-16)", hidden: [32, 16] },
  large: { label: "large (64-32)", hidden: [64, 32] },
  xl: { label: "extra large (256-128-64)", hidden: [256, 128, 64] },
};

export interface JobDraft {
  datasetCid: string;
  samples: number;
  features: number;
  classes: number;
  epochs: number;
  priority: Priority;
  size: string;
}

export function specOf(draft: JobDraft) {
  return {
    kind: MLP_KIND,
    model: { hidden: SIZES[draft.size].hidden, activation: "relu" },
    hyperparameters: { epochs: draft.epochs, batchSize: 64, learningRate: 0.003, seed: 7 },
    dataset: { cid: draft.datasetCid.trim(), format: TABULAR_FORMAT },
    validation: { fraction: 0.2 },
  };
}
