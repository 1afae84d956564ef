/**
 * Verify: the proofs due for a check (jobs:verifying, by report time and then by each
 * retry's nextAt) are checked by the ProofChecker, a few at a time, and each verdict
 * is recorded with one version-checked script:
 *
 *   verified   verifying → releasing (flows/settle.ts hands the release over)
 *   rejected   verifying → refunding, with the reason (flows/settle.ts hands the refund over)
 *   retry      stays verifying until nextAt, the reason and attempt in the history
 */
import type { Metrics } from "../domain/proof-verdict";
import type { Logger } from "../logger";
import type { ProofChecker } from "../ports";
import type { ProofSubject } from "../proofs/verifier";
import type { Store } from "../store";
import { isStoreUnavailable } from "../store/failures";
import type { StoredJob } from "../store/job-codec";

export interface ProofCheckDeps {
  readonly store: Pick<Store, "jobs" | "verification">;
  readonly verifier: ProofChecker;
  readonly log: Logger;
  readonly clock: () => number;
  /** Proofs checked at once per round. */
  readonly concurrency: number;
}

/** The claimed metrics as the report stored them ({} when none were claimed). */
function claimedMetrics(job: StoredJob): Metrics {
  if (job.metrics === null) return {};
  const parsed = JSON.parse(job.metrics) as unknown;
  return typeof parsed === "object" && parsed !== null ? (parsed as Metrics) : {};
}

/** Checks one reported proof and records the verdict. */
export async function verifyProof(deps: ProofCheckDeps, jobId: string): Promise<void> {
  const { store, log } = deps;
  const job = await store.jobs.get(jobId);
  if (job === null || job.state.status !== "verifying" || job.state.proof === null) {
    // Every script that takes a job out of verifying also removes it from the queue,
    // and no job ever returns to verifying: this entry can only be left over.
    log.error("job in the verification queue is not verifying; dropped from the queue", { jobId, status: job?.state.status ?? null });
    await store.verification.dequeue(jobId);
    return;
  }
  const subject: ProofSubject = {
    jobId,
    config: JSON.parse(job.config) as unknown,
    datasetCid: job.datasetCid,
    proof: job.state.proof,
    claimed: claimedMetrics(job),
  };
  const verdict = await deps.verifier.verify(subject, job.verifyAttempts + 1);
  const recorded = await store.verification.record(job, verdict, deps.clock());
  const fields = { jobId, nodeId: job.state.nodeId, weightsCid: job.state.proof.weightsCid };
  if (recorded.kind === "stale")
    return log.info("proof verdict not recorded: the job changed meanwhile", { ...fields, outcome: verdict.outcome });
  if (recorded.kind === "refused")
    return log.error("proof verdict refused by the job state machine", { ...fields, error: recorded.message });
  switch (verdict.outcome) {
    case "verified":
      return log.info("proof verified", {
        ...fields,
        sha256: verdict.sha256,
        bytes: verdict.bytes,
        metricsReevaluated: verdict.metrics.reevaluated,
      });
    case "rejected":
      return log.warn("proof rejected; the job is refunded", { ...fields, reason: verdict.reason, detail: verdict.detail });
    case "retry":
      return log.info("proof check failed for now; retrying later", {
        ...fields,
        reason: verdict.reason,
        attempt: verdict.attempt,
        nextAt: verdict.nextAt,
      });
  }
}

/**
 * Checks the proofs due now, `concurrency` at a time. A failed check is logged and
 * retried next round, except a store outage, thrown once every check has ended.
 */
export async function verifyDueProofs(deps: ProofCheckDeps): Promise<void> {
  const due = await deps.store.verification.due(deps.clock(), deps.concurrency);
  const checked = await Promise.allSettled(due.map((jobId) => verifyProof(deps, jobId)));
  checked.forEach((result, index) => {
    if (result.status === "fulfilled") return;
    if (isStoreUnavailable(result.reason)) throw result.reason;
    deps.log.error("proof check failed; retrying next tick", { jobId: due[index], error: result.reason });
  });
}
