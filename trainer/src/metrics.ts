/**
 * Loss and accuracy of a set of rows under given parameters: the one definition both
 * the node's training report and the coordinator's re-evaluation use.
 *
 *   logits   the forward pass in TensorFlow.js (float32), 1,024 rows at a time
 *   loss     mean over the rows, in row order, of −log softmax(logits)[label], computed
 *            in float64 as logsumexp(z) − z[label] with the max subtracted first
 *   correct  rows whose largest logit is the label's (ties go to the lowest class)
 */
import type { TabularDataset } from "./dataset";
import { forward, gatherRows } from "./model";
import type { Activation } from "./spec";
import { tf } from "./tf";

export interface Score {
  /** Mean cross-entropy, nats. */
  readonly loss: number;
  /** correct / samples. */
  readonly accuracy: number;
  readonly samples: number;
  readonly correct: number;
}

const CHUNK_ROWS = 1_024;

/** Adds the loss of the row whose logits start at `offset` to the running sum; returns whether it is classified correctly. */
function scoreRow(logits: Float32Array, offset: number, classes: number, label: number, sum: { loss: number }): boolean {
  let max = -Infinity;
  let best = 0;
  for (let c = 0; c < classes; c++) {
    const z = logits[offset + c];
    if (z > max) {
      max = z;
      best = c;
    }
  }
  let total = 0;
  for (let c = 0; c < classes; c++) total += Math.exp(logits[offset + c] - max);
  sum.loss += Math.log(total) + max - logits[offset + label];
  return best === label;
}

/**
 * Scores `rows`. Yields to the event loop between chunks, and throws the signal's
 * reason once `signal` fires, so a large re-evaluation inside the coordinator never
 * holds its event loop (heartbeats, HTTP) for longer than one chunk.
 */
export async function scoreRows(
  params: readonly tf.Tensor[],
  activation: Activation,
  data: TabularDataset,
  rows: Uint32Array,
  signal?: AbortSignal,
): Promise<Score> {
  const sum = { loss: 0 };
  let correct = 0;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    const end = Math.min(start + CHUNK_ROWS, rows.length);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(gatherRows(data, rows, start, end), [end - start, data.features]);
      return forward(params, activation, x);
    });
    const values = logits.dataSync() as Float32Array;
    for (let i = start; i < end; i++) {
      if (scoreRow(values, (i - start) * data.classes, data.classes, data.y[rows[i]], sum)) correct++;
    }
    logits.dispose();
  }
  return { loss: sum.loss / rows.length, accuracy: correct / rows.length, samples: rows.length, correct };
}

/** Correct predictions among batch logits (row i's label is labels[i]). */
export function countCorrect(logits: Float32Array, classes: number, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}
