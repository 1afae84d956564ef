/**
 * Adam (Kingma & Ba 2015, algorithm 1 in the "efficient" form of its section 2), with
 * TensorFlow.js ops. tfjs' own AdamOptimizer is not used because its state cannot be
 * restored exactly: on restore it recomputes β^t with pow instead of the running
 * products it multiplied up, so a run resumed from a checkpoint would drift from an
 * uninterrupted one in the last bits. Here the whole state is (t, m, v), serialised
 * as is, and the bias correction is recomputed from t in float64 at every step, so a
 * resumed run is bit-identical (tested). The constants are part of kind @1.
 *
 *   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
 *   θ ← θ − α_t · m / (√v + ε)   with α_t = α·√(1 − β2^t) / (1 − β1^t)
 */
import { tf } from "./tf";

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export interface AdamState {
  /** Steps taken so far. */
  readonly step: number;
  /** First and second moments, one per parameter tensor, same shapes. */
  readonly m: readonly tf.Tensor[];
  readonly v: readonly tf.Tensor[];
}

export function adamInit(params: readonly tf.Tensor[]): AdamState {
  return { step: 0, m: params.map((p) => tf.zerosLike(p)), v: params.map((p) => tf.zerosLike(p)) };
}

/**
 * One update. Returns new parameters and state; the caller owns (and disposes) both
 * the old and the new tensors. `grads[i]` is the gradient of `params[i]`.
 */
export function adamStep(
  params: readonly tf.Tensor[],
  grads: readonly tf.Tensor[],
  state: AdamState,
  learningRate: number,
): { readonly params: tf.Tensor[]; readonly state: AdamState } {
  const step = state.step + 1;
  const stepSize = (learningRate * Math.sqrt(1 - ADAM.beta2 ** step)) / (1 - ADAM.beta1 ** step);
  const n = params.length;
  const out = tf.tidy(() => {
    const next: tf.Tensor[] = [];
    const ms: tf.Tensor[] = [];
    const vs: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const g = grads[i];
      const m = tf.add(tf.mul(state.m[i], ADAM.beta1), tf.mul(g, 1 - ADAM.beta1));
      const v = tf.add(tf.mul(state.v[i], ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2));
      next.push(tf.sub(params[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), ADAM.epsilon)), stepSize)));
      ms.push(m);
      vs.push(v);
    }
    return [...next, ...ms, ...vs];
  });
  return { params: out.slice(0, n), state: { step, m: out.slice(n, 2 * n), v: out.slice(2 * n) } };
}

export function disposeAdam(state: AdamState): void {
  for (const t of [...state.m, ...state.v]) t.dispose();
}
