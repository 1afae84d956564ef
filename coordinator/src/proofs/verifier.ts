/**
 * The proof check behind every release: fetch the reported weights from IPFS, hash
 * them as they stream, compare with the reported sha256, then re-evaluate the claimed
 * metrics when the job's kind has an evaluator. The result is a ProofVerdict
 * (domain/proof-verdict.ts) and is honest about what was checked:
 *
 *   IPFS_NOT_FOUND / IPFS_NOT_A_FILE   rejected not-found
 *   IPFS_TOO_LARGE                     rejected too-large
 *   sha256 differs                     rejected hash-mismatch
 *   evaluator: not reproduced          rejected metrics-do-not-reproduce
 *   IPFS_TIMEOUT                       retry fetch-timeout      (then fetch-failed)
 *   IPFS_UNAVAILABLE                   retry ipfs-unavailable   (then fetch-failed)
 *   evaluator failed or too slow       retry evaluation-error   (then evaluation-failed)
 *   no evaluator for the kind          verified, metrics NOT re-evaluated, and why
 *
 * Anything else (a bug) is thrown: the loop logs it and tries again next tick, which
 * is safer than turning a bug into a verdict about someone's money.
 */
import type { WeightsProof } from "../domain/job-state";
import {
  type Metrics,
  type MetricsCheck,
  type ProofRetryReason,
  type ProofVerdict,
  type RetryPolicy,
  transientFailure,
} from "../domain/proof-verdict";
import { type Evaluation, jobKindOf, type MetricEvaluator, type MetricEvaluatorRegistry } from "./evaluators";
import { type ContentDigest, digestContent, IpfsError, type IpfsReader, readBytes, type ReadLimits } from "@cyxwiz/protocol/ipfs";

/** What is checked: a reported proof and the job it is for. */
export interface ProofSubject {
  readonly jobId: string;
  /** The job's config as submitted (parsed JSON); its `kind` picks the evaluator. */
  readonly config: unknown;
  readonly datasetCid: string;
  readonly proof: WeightsProof;
  readonly claimed: Metrics;
}

export interface ProofVerifierDeps {
  readonly ipfs: IpfsReader;
  /** config.ipfs.fetchTimeoutMs and maxProofBytes, per read. */
  readonly limits: ReadLimits;
  readonly retry: RetryPolicy;
  readonly evaluators: MetricEvaluatorRegistry;
  readonly evaluationTimeoutMs: number;
  /** Unix ms; the backoff counts from the end of the failed attempt. */
  readonly clock?: () => number;
}

type Step<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly verdict: ProofVerdict };

export class ProofVerifier {
  private readonly clock: () => number;

  constructor(private readonly deps: ProofVerifierDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** The verdict of attempt number `attempt` (from 1) on `subject`'s proof. */
  async verify(subject: ProofSubject, attempt: number): Promise<ProofVerdict> {
    const { weightsCid, weightsSha256 } = subject.proof;
    const fetched = await this.fetch(weightsCid, attempt);
    if (!fetched.ok) return fetched.verdict;
    const digest = fetched.value;
    if (digest.sha256 !== weightsSha256) {
      return {
        outcome: "rejected",
        reason: "hash-mismatch",
        attempt,
        detail: `the ${digest.bytes} bytes under ${weightsCid} hash to sha256 ${digest.sha256}, but the report claims ${weightsSha256}`,
      };
    }
    const kind = jobKindOf(subject.config);
    const evaluator = kind === null ? null : this.deps.evaluators.get(kind);
    if (kind === null || evaluator === null) {
      const why =
        kind === null
          ? "the job's config names no kind, so no evaluator applies"
          : `the coordinator has no evaluator for job kind ${JSON.stringify(kind)}`;
      return this.verified(digest, { reevaluated: false, why });
    }
    const evaluated = await this.evaluate(evaluator, subject, digest, attempt);
    if (!evaluated.ok) return evaluated.verdict;
    const evaluation = evaluated.value;
    if (!evaluation.reproduced) {
      return { outcome: "rejected", reason: "metrics-do-not-reproduce", attempt, detail: `${evaluator.kind}: ${evaluation.detail}` };
    }
    return this.verified(digest, { reevaluated: true, evaluator: evaluator.kind, metrics: evaluation.metrics });
  }

  private verified(digest: ContentDigest, metrics: MetricsCheck): ProofVerdict {
    return { outcome: "verified", sha256: digest.sha256, bytes: digest.bytes, metrics };
  }

  private async fetch(cid: string, attempt: number): Promise<Step<ContentDigest>> {
    try {
      return { ok: true, value: await digestContent(this.deps.ipfs, cid, this.deps.limits) };
    } catch (error) {
      if (!(error instanceof IpfsError)) throw error;
      switch (error.code) {
        case "IPFS_NOT_FOUND":
        case "IPFS_NOT_A_FILE":
          return { ok: false, verdict: { outcome: "rejected", reason: "not-found", attempt, detail: error.message } };
        case "IPFS_TOO_LARGE":
          return { ok: false, verdict: { outcome: "rejected", reason: "too-large", attempt, detail: error.message } };
        case "IPFS_TIMEOUT":
          return { ok: false, verdict: this.transient("fetch-timeout", error.message, attempt) };
        case "IPFS_UNAVAILABLE":
          return { ok: false, verdict: this.transient("ipfs-unavailable", error.message, attempt) };
      }
    }
  }

  private transient(reason: ProofRetryReason, detail: string, attempt: number): ProofVerdict {
    return transientFailure(reason, detail, attempt, this.clock(), this.deps.retry);
  }

  /**
   * Runs the evaluator within evaluationTimeoutMs. Its reads go through the same
   * limits; a read that times out or finds IPFS down is the same transient failure as
   * the weights' fetch, and anything else going wrong is the evaluator's failure.
   */
  private async evaluate(
    evaluator: MetricEvaluator,
    subject: ProofSubject,
    digest: ContentDigest,
    attempt: number,
  ): Promise<Step<Evaluation>> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.deps.evaluationTimeoutMs;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Reject before aborting: an evaluator that answers on abort must not win the race.
        reject(new Error(`the evaluation took longer than ${timeoutMs} ms`));
        controller.abort();
      }, timeoutMs);
    });
    deadline.catch(() => undefined);
    try {
      const evaluation = await Promise.race([
        evaluator.evaluate({
          jobId: subject.jobId,
          kind: evaluator.kind,
          config: subject.config as Readonly<Record<string, unknown>>,
          datasetCid: subject.datasetCid,
          weights: { cid: subject.proof.weightsCid, sha256: digest.sha256, bytes: digest.bytes },
          claimed: subject.claimed,
          read: (cid) => readBytes(this.deps.ipfs, cid, this.deps.limits),
          signal: controller.signal,
        }),
        deadline,
      ]);
      const malformed = malformedEvaluation(evaluation);
      if (malformed !== null)
        return { ok: false, verdict: this.transient("evaluation-error", `${evaluator.kind} answered ${malformed}`, attempt) };
      return { ok: true, value: evaluation };
    } catch (error) {
      if (error instanceof IpfsError && (error.code === "IPFS_TIMEOUT" || error.code === "IPFS_UNAVAILABLE")) {
        const reason = error.code === "IPFS_TIMEOUT" ? "fetch-timeout" : "ipfs-unavailable";
        return { ok: false, verdict: this.transient(reason, `while evaluating: ${error.message}`, attempt) };
      }
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, verdict: this.transient("evaluation-error", `${evaluator.kind} failed: ${why}`, attempt) };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
}

/** Why an evaluator's answer cannot be recorded, or null when it can. */
function malformedEvaluation(evaluation: Evaluation): string | null {
  if (typeof evaluation !== "object" || evaluation === null || typeof evaluation.reproduced !== "boolean") return "no reproduced flag";
  const metrics: unknown = evaluation.metrics;
  if (typeof metrics !== "object" || metrics === null) return "no metrics";
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== "number" || !Number.isFinite(value)) return `a non-finite metric ${name}`;
  }
  if (!evaluation.reproduced && (typeof evaluation.detail !== "string" || evaluation.detail.length === 0))
    return "a failure without a detail";
  return null;
}
