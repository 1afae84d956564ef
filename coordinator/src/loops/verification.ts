/**
 * The verification loop: every tick, the proofs due for a check (jobs:verifying, by
 * report time and then by each retry's nextAt) are checked by the ProofVerifier, a few
 * at a time, and each verdict is recorded with one version-checked script:
 *
 *   verified   verifying → releasing; the release is handed to Settlement with the
 *              weights' sha256 as the proof hash recorded on chain
 *   rejected   verifying → refunding, with the reason; the lease watchdog hands the
 *              refund over like every other refund
 *   retry      stays verifying until nextAt, the reason and attempt in the history
 *
 * The release hand-over reads its queue (jobs:releasing), not the verdict in memory:
 * a crash between the verdict and the hand-over loses nothing, the next tick (or the
 * next process) hands it over, and asking Settlement twice is harmless.
 */
import { Metrics, ProofVerdict } from "../domain/proof-verdict";
import { EscrowRef, Settlement } from "../http/ports";
import { Logger } from "../logger";
import { ProofSubject } from "../proofs/verifier";
import { Store } from "../store";
import { isStoreUnavailable } from "../store/failures";
import { StoredJob } from "../store/job-codec";
import { eachItem, Loop } from "./loop";

/** What the loop needs of the verifier (proofs/verifier.ts; tests may substitute). */
export interface Verifier {
  verify(subject: ProofSubject, attempt: number): Promise<ProofVerdict>;
}

export interface VerificationLoopDeps {
  readonly store: Pick<Store, "jobs" | "verification">;
  readonly settlement: Pick<Settlement, "release">;
  readonly verifier: Verifier;
  readonly log: Logger;
  readonly clock: () => number;
  readonly tickMs: number;
  /** Proofs checked at once per tick. */
  readonly concurrency: number;
  readonly ref: (job: StoredJob) => EscrowRef;
}

/** The claimed metrics as the report stored them ({} when none were claimed). */
function claimedMetrics(job: StoredJob): Metrics {
  if (job.metrics === null) return {};
  const parsed = JSON.parse(job.metrics) as unknown;
  return typeof parsed === "object" && parsed !== null ? (parsed as Metrics) : {};
}

export function verificationLoop(deps: VerificationLoopDeps): Loop {
  const { store, log } = deps;

  async function check(jobId: string): Promise<void> {
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
    if (recorded.kind === "stale") return log.info("proof verdict not recorded: the job changed meanwhile", { ...fields, outcome: verdict.outcome });
    if (recorded.kind === "refused") return log.error("proof verdict refused by the job state machine", { ...fields, error: recorded.message });
    switch (verdict.outcome) {
      case "verified":
        return log.info("proof verified", { ...fields, sha256: verdict.sha256, bytes: verdict.bytes, metricsReevaluated: verdict.metrics.reevaluated });
      case "rejected":
        return log.warn("proof rejected; the job is refunded", { ...fields, reason: verdict.reason, detail: verdict.detail });
      case "retry":
        return log.info("proof check failed for now; retrying later", { ...fields, reason: verdict.reason, attempt: verdict.attempt, nextAt: verdict.nextAt });
    }
  }

  async function checkDue(): Promise<void> {
    const due = await store.verification.due(deps.clock(), deps.concurrency);
    const checked = await Promise.allSettled(due.map(check));
    checked.forEach((result, index) => {
      if (result.status === "fulfilled") return;
      if (isStoreUnavailable(result.reason)) throw result.reason;
      log.error("proof check failed; retrying next tick", { jobId: due[index], error: result.reason });
    });
  }

  async function handOverReleases(): Promise<void> {
    await eachItem(log, await store.verification.awaitingRelease(), "jobId", async (jobId) => {
      const job = await store.jobs.get(jobId);
      if (job === null || job.state.status !== "releasing") {
        // Released already (the confirmation removes it too) or gone: nothing to hand over.
        await store.verification.releaseHandedOver(jobId);
        return;
      }
      const verdict = job.verification;
      // The proof hash on chain is the sha256 the coordinator computed itself, and only that.
      if (verdict?.outcome !== "verified" || verdict.sha256 !== job.state.proof?.weightsSha256) {
        log.error("releasing job without a matching verified verdict; not released, needs an operator", { jobId, verdict });
        return;
      }
      await deps.settlement.release(deps.ref(job), verdict.sha256);
      await store.verification.releaseHandedOver(jobId);
      log.info("release handed over", { jobId, nodeId: job.state.nodeId, proofHash: verdict.sha256 });
    });
  }

  return new Loop("verification", deps.tickMs, log, async () => {
    await checkDue();
    await handOverReleases();
  });
}
