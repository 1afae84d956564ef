/**
 * What the coordinator concluded about a node's proof (the weights' CID, their sha256
 * and the metrics it claimed), in terms the client reads in the job's history. Pure:
 * the verifier (proofs/) produces these, the state machine records them, the money
 * follows them.
 *
 *   verified   the bytes under the CID hash to the reported sha256; `metrics` says
 *              whether the claimed metrics were re-evaluated (a kind the coordinator
 *              knows) or NOT (any other kind: recorded as such, never implied)
 *   rejected   no release, the client is refunded:
 *                hash-mismatch             the bytes hash to something else
 *                not-found                 nothing (or no file) under the CID
 *                too-large                 more than the configured maximum
 *                metrics-do-not-reproduce  the evaluator got other metrics
 *                fetch-failed              transient failures up to the last attempt
 *                evaluation-failed         the evaluator failed up to the last attempt
 *   retry      a transient failure (the fetch timed out, IPFS unreachable, the
 *              evaluator crashed): the job stays in verifying until `nextAt`
 *
 * Retries back off exponentially: the n-th failure waits min(maxDelay, base × 2^(n−1));
 * the `maxAttempts`-th failure is final (fetch-failed / evaluation-failed).
 */
import { CoordinatorError } from "./errors";

export const PROOF_REJECT_REASONS = [
  "hash-mismatch",
  "not-found",
  "too-large",
  "metrics-do-not-reproduce",
  "fetch-failed",
  "evaluation-failed",
] as const;
export type ProofRejectReason = (typeof PROOF_REJECT_REASONS)[number];

export const PROOF_RETRY_REASONS = ["fetch-timeout", "ipfs-unavailable", "evaluation-error"] as const;
export type ProofRetryReason = (typeof PROOF_RETRY_REASONS)[number];

export type Metrics = Readonly<Record<string, number>>;

/** Whether the claimed metrics were checked, and by what. */
export type MetricsCheck =
  | { readonly reevaluated: true; readonly evaluator: string; readonly metrics: Metrics }
  | { readonly reevaluated: false; readonly why: string };

export type ProofVerdict =
  | {
      readonly outcome: "verified";
      /** sha256 of the bytes fetched, hex: what the release records on chain. */
      readonly sha256: string;
      readonly bytes: number;
      readonly metrics: MetricsCheck;
    }
  | {
      readonly outcome: "rejected";
      readonly reason: ProofRejectReason;
      readonly detail: string;
      /** For fetch-failed / evaluation-failed: the transient reason of the last attempt. */
      readonly after?: ProofRetryReason;
      /** Attempts made, counting this one. */
      readonly attempt: number;
    }
  | {
      readonly outcome: "retry";
      readonly reason: ProofRetryReason;
      readonly detail: string;
      /** This failed attempt's number, from 1. */
      readonly attempt: number;
      /** Unix ms before which the proof is not checked again. */
      readonly nextAt: number;
    };

export type VerifiedVerdict = Extract<ProofVerdict, { outcome: "verified" }>;
export type RejectedVerdict = Extract<ProofVerdict, { outcome: "rejected" }>;
export type RetryVerdict = Extract<ProofVerdict, { outcome: "retry" }>;

export interface RetryPolicy {
  /** The wait after the first transient failure, ms. */
  readonly baseDelayMs: number;
  /** No wait is longer than this, ms. */
  readonly maxDelayMs: number;
  /** The attempt whose transient failure is final (≥ 1). */
  readonly maxAttempts: number;
}

export type ProofVerdictErrorCode = "INVALID_RETRY_POLICY" | "INVALID_ATTEMPT";

export class ProofVerdictError extends CoordinatorError<ProofVerdictErrorCode> {}

function checkPolicy(policy: RetryPolicy): void {
  const ok =
    Number.isSafeInteger(policy.baseDelayMs) &&
    policy.baseDelayMs > 0 &&
    Number.isSafeInteger(policy.maxDelayMs) &&
    policy.maxDelayMs >= policy.baseDelayMs &&
    Number.isSafeInteger(policy.maxAttempts) &&
    policy.maxAttempts >= 1;
  if (!ok) {
    throw new ProofVerdictError(
      "INVALID_RETRY_POLICY",
      `retry policy needs integers baseDelayMs > 0, maxDelayMs ≥ baseDelayMs, maxAttempts ≥ 1; got ${JSON.stringify(policy)}`,
    );
  }
}

/** The wait after the `attempt`-th transient failure: base × 2^(attempt−1), capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  checkPolicy(policy);
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new ProofVerdictError("INVALID_ATTEMPT", `attempt must be an integer ≥ 1, got ${attempt}`);
  // 2^(attempt−1) overflows to Infinity long before it matters; the cap makes it finite.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 52));
}

const FINAL_REASON: Readonly<Record<ProofRetryReason, ProofRejectReason>> = {
  "fetch-timeout": "fetch-failed",
  "ipfs-unavailable": "fetch-failed",
  "evaluation-error": "evaluation-failed",
};

/**
 * The verdict of a transient failure on attempt `attempt`, decided at `now`: a retry
 * after the backoff, or, on the last allowed attempt, the final rejection.
 */
export function transientFailure(
  reason: ProofRetryReason,
  detail: string,
  attempt: number,
  now: number,
  policy: RetryPolicy,
): RetryVerdict | RejectedVerdict {
  const delay = backoffDelay(attempt, policy);
  if (attempt >= policy.maxAttempts) {
    return {
      outcome: "rejected",
      reason: FINAL_REASON[reason],
      after: reason,
      attempt,
      detail: `gave up after ${attempt} attempt${attempt === 1 ? "" : "s"}; the last: ${reason}: ${detail}`,
    };
  }
  return { outcome: "retry", reason, detail, attempt, nextAt: now + delay };
}

/**
 * Whether a verdict goes into the node's reliability record, and how. A failure on
 * the coordinator's side (its IPFS unreachable to the end, its evaluator failing)
 * says nothing about the node and counts neither way; a retry is not a verdict yet.
 */
export function reliabilityEffect(verdict: ProofVerdict): "verified" | "rejected" | "none" {
  if (verdict.outcome === "verified") return "verified";
  if (verdict.outcome === "retry") return "none";
  if (verdict.reason === "evaluation-failed") return "none";
  if (verdict.reason === "fetch-failed" && verdict.after === "ipfs-unavailable") return "none";
  return "rejected";
}

/** One sentence for the job's history. */
export function describeVerdict(verdict: ProofVerdict): string {
  switch (verdict.outcome) {
    case "verified": {
      const metrics = verdict.metrics.reevaluated
        ? `metrics re-evaluated by ${verdict.metrics.evaluator}: ${JSON.stringify(verdict.metrics.metrics)}`
        : `metrics NOT re-evaluated: ${verdict.metrics.why}`;
      return `weights fetched (${verdict.bytes} bytes), sha256 ${verdict.sha256} matches the report; ${metrics}`;
    }
    case "rejected":
      return `${verdict.reason}: ${verdict.detail}`;
    case "retry":
      return `${verdict.reason} on attempt ${verdict.attempt}: ${verdict.detail}; next attempt at ${new Date(verdict.nextAt).toISOString()}`;
  }
}
