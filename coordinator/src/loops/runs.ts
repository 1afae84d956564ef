/**
 * The background side of running jobs:
 *
 *   checkpoint loop   every verification tick, pending checkpoints due for a check are
 *                     read from IPFS under the proof limits (proofs/read.ts) and their
 *                     sha256 compared with the one handed in: verified (the job's
 *                     verified progress may move up), rejected (not there, not a file,
 *                     too large, other bytes: counts nothing), or retried with the
 *                     verification backoff when IPFS could not answer, rejected after
 *                     the last attempt.
 *   run deadlines     (lease watchdog) a running job past its deadline times out:
 *                     settling-partial by verified progress, its node told to drop it.
 *   settlements       (lease watchdog) each settling-partial job is handed to
 *                     Settlement.settlePartial from jobs:settling, like refunds: a crash
 *                     between the decision and the hand-over loses nothing.
 */
import { backoffDelay, RetryPolicy } from "../domain/proof-verdict";
import { EscrowRef, Settlement } from "../http/ports";
import { Logger } from "../logger";
import { digestContent, IpfsError, IpfsReader, ReadLimits } from "../proofs";
import { Store } from "../store";
import { isStoreUnavailable } from "../store/failures";
import { StoredJob } from "../store/job-codec";
import { CheckpointCheck, DueCheckpoint } from "../store/runs";
import { eachItem, Loop } from "./loop";

export interface RunLoopDeps {
  readonly store: Pick<Store, "jobs" | "runs">;
  readonly settlement: Pick<Settlement, "settlePartial">;
  readonly ipfs: IpfsReader;
  readonly limits: ReadLimits;
  readonly retry: RetryPolicy;
  readonly log: Logger;
  readonly clock: () => number;
  readonly tickMs: number;
  /** Checkpoints checked at once per tick. */
  readonly concurrency: number;
  readonly ref: (job: StoredJob) => EscrowRef;
}

/** The check of one checkpoint's bytes against the sha256 handed in. */
export async function checkCheckpoint(due: DueCheckpoint, deps: Pick<RunLoopDeps, "ipfs" | "limits" | "retry">, now: number): Promise<CheckpointCheck> {
  const { cid, sha256 } = due.checkpoint;
  try {
    const digest = await digestContent(deps.ipfs, cid, deps.limits);
    if (digest.sha256 === sha256) return { outcome: "verified" };
    return { outcome: "rejected", detail: `hash-mismatch: the ${digest.bytes} bytes under ${cid} hash to ${digest.sha256}, not ${sha256}` };
  } catch (error) {
    if (!(error instanceof IpfsError)) throw error;
    if (error.code !== "IPFS_TIMEOUT" && error.code !== "IPFS_UNAVAILABLE") {
      return { outcome: "rejected", detail: `${error.code}: ${error.message}` };
    }
    const attempt = (due.checkpoint.attempts ?? 0) + 1;
    if (attempt >= deps.retry.maxAttempts) {
      return { outcome: "rejected", detail: `fetch-failed after ${attempt} attempts: ${error.message}` };
    }
    return { outcome: "retry", detail: `${error.code} (attempt ${attempt}): ${error.message}`, nextAt: now + backoffDelay(attempt, deps.retry) };
  }
}

export function checkpointLoop(deps: RunLoopDeps): Loop {
  const { store, log } = deps;

  async function check(due: DueCheckpoint): Promise<void> {
    const verdict = await checkCheckpoint(due, deps, deps.clock());
    const progressed = await store.runs.recordCheck(due, verdict, deps.clock());
    const fields = { jobId: due.jobId, nodeId: due.nodeId, epoch: due.checkpoint.epoch, cid: due.checkpoint.cid };
    if (verdict.outcome === "verified") log.info("checkpoint verified", { ...fields, progressed });
    else if (verdict.outcome === "rejected") log.warn("checkpoint rejected", { ...fields, detail: verdict.detail });
    else log.info("checkpoint check failed for now; retrying later", { ...fields, detail: verdict.detail, nextAt: verdict.nextAt });
  }

  return new Loop("checkpoints", deps.tickMs, log, async () => {
    const due = await store.runs.dueCheckpoints(deps.clock(), deps.concurrency);
    const checked = await Promise.allSettled(due.map(check));
    checked.forEach((result, index) => {
      if (result.status === "fulfilled") return;
      if (isStoreUnavailable(result.reason)) throw result.reason;
      log.error("checkpoint check failed; retrying next tick", { jobId: due[index].jobId, epoch: due[index].checkpoint.epoch, error: result.reason });
    });
  });
}

/** The lease watchdog's two steps for running jobs: deadlines, then settlement hand-overs. */
export function runEnds(deps: Omit<RunLoopDeps, "ipfs" | "limits" | "retry" | "tickMs" | "concurrency">) {
  const { store, log } = deps;
  return {
    async timeOutRuns(now: number): Promise<void> {
      await eachItem(log, await store.runs.dueDeadlines(now), "jobId", async (jobId) => {
        const outcome = await store.runs.timeOut(jobId, now);
        if (outcome.kind === "ended") log.info("job timed out; settling by verified progress", { jobId });
      });
    },

    async handOverSettlements(): Promise<void> {
      await eachItem(log, await store.runs.awaitingSettlement(), "jobId", async (jobId) => {
        const job = await store.jobs.get(jobId);
        if (job === null || job.state.status !== "settling-partial") {
          // Settled already, or gone: nothing to hand over.
          await store.runs.settlementHandedOver(jobId);
          return;
        }
        const share = job.state.nodeShareBps;
        if (share === null || job.settleProofHash === null) {
          log.error("settling job without its share or proof hash; not settled, needs an operator", { jobId });
          return;
        }
        await deps.settlement.settlePartial(deps.ref(job), share, job.settleProofHash);
        await store.runs.settlementHandedOver(jobId);
        log.info("partial settlement handed over", { jobId, nodeId: job.state.nodeId, nodeShareBps: share });
      });
    },
  };
}
