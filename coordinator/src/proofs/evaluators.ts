/**
 * Re-evaluating a node's claimed metrics, for the job kinds the coordinator knows.
 *
 * A job's kind is the `kind` string of its config (the JSON the client submitted);
 * an evaluator registered for that kind gets the verified weights (their CID: the
 * bytes are already known to hash to the reported sha256), the job's config and
 * dataset CID, and the claimed metrics, and computes the metrics itself, e.g. on
 * held-out validation data. A job whose kind has no evaluator (or whose config names
 * none) is not re-evaluated, and its verdict says so in words: hash-checked weights
 * are released on, but nobody is told their metrics were checked.
 *
 * The evaluator of the built-in training kind is proofs/builtin-evaluator.ts; this
 * module is the contract and the registry it plugs into.
 */
import type { Metrics } from "../domain/proof-verdict";
import { EvaluatorError } from "./errors";

export interface EvaluationInput {
  readonly jobId: string;
  readonly kind: string;
  /** The job's config as the client submitted it. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly datasetCid: string;
  /** The weights, already fetched and hash-checked once. */
  readonly weights: { readonly cid: string; readonly sha256: string; readonly bytes: number };
  /** What the node claimed. */
  readonly claimed: Metrics;
  /**
   * Reads a CID's bytes (the weights again, the dataset, validation data) under the
   * verifier's limits; fails with an IpfsError, which the verifier turns into a verdict.
   */
  read(cid: string): Promise<Uint8Array>;
  /** Aborted when the evaluation's time is up; long computations should check it. */
  readonly signal: AbortSignal;
}

export type Evaluation =
  | { readonly reproduced: true; readonly metrics: Metrics }
  /** `detail` says which metric differs and by how much, for the client. */
  | { readonly reproduced: false; readonly metrics: Metrics; readonly detail: string };

/**
 * Decides whether the weights reproduce the claimed metrics. Weights that cannot be
 * evaluated (malformed, wrong shape) are the node's fault: answer `reproduced: false`.
 * Throw only for the evaluator's own failures (it is retried, then the job refunded
 * without blaming the node).
 */
export interface MetricEvaluator {
  readonly kind: string;
  evaluate(input: EvaluationInput): Promise<Evaluation>;
}

/** `@` admits versioned kinds such as the built-in `cyxwiz/mlp-classifier@1`. */
const KIND_RE = /^[A-Za-z0-9][A-Za-z0-9._/@-]{0,63}$/;

/** The job kind its config names, or null when it names none. */
export function jobKindOf(config: unknown): string | null {
  if (typeof config !== "object" || config === null || Array.isArray(config)) return null;
  const kind = (config as Record<string, unknown>).kind;
  return typeof kind === "string" && kind.length > 0 ? kind : null;
}

export class MetricEvaluatorRegistry {
  private readonly evaluators = new Map<string, MetricEvaluator>();

  constructor(evaluators: readonly MetricEvaluator[] = []) {
    for (const evaluator of evaluators) this.register(evaluator);
  }

  /** Adds the evaluator of `evaluator.kind`; a kind has exactly one. */
  register(evaluator: MetricEvaluator): this {
    if (!KIND_RE.test(evaluator.kind)) {
      throw new EvaluatorError(
        "EVALUATOR_INVALID",
        `job kind ${JSON.stringify(evaluator.kind)} must be 1-64 of A-Z a-z 0-9 . _ / @ - (not starting with a symbol)`,
      );
    }
    if (this.evaluators.has(evaluator.kind)) {
      throw new EvaluatorError("EVALUATOR_EXISTS", `an evaluator for job kind ${evaluator.kind} is already registered`);
    }
    this.evaluators.set(evaluator.kind, evaluator);
    return this;
  }

  get(kind: string): MetricEvaluator | null {
    return this.evaluators.get(kind) ?? null;
  }

  kinds(): string[] {
    return [...this.evaluators.keys()].sort();
  }
}
