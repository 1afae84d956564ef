/**
 * Checkpoint: a running node hands in `{epoch, epochs, cid, sha256}` with its job
 * token (stored pending, queued for a check), and the check of pending checkpoints:
 * each is read from IPFS under the proof limits and its sha256 compared with the one
 * handed in: verified (the job's verified progress may move up), rejected (not there,
 * not a file, too large, other bytes: counts nothing), or retried with the
 * verification backoff when IPFS could not answer, rejected after the last attempt.
 */
import { backoffDelay, type RetryPolicy } from "../domain/proof-verdict";
import type { Logger } from "../logger";
import { digestContent, IpfsError, type IpfsReader, type ReadLimits } from "../proofs";
import type { Store } from "../store";
import { isStoreUnavailable } from "../store/failures";
import type { CheckpointCheck, CheckpointInput, CheckpointOutcome, DueCheckpoint } from "../store/runs";
import type { FlowContext } from "./context";
import { nodeJob, type NodeJobRefusal } from "./node-job";

/** A checkpoint as the node hands it in. */
export type HandIn = Omit<CheckpointInput, "now">;

/** The node's checkpoint, stored pending; or why not. */
export async function handInCheckpoint(
  ctx: Pick<FlowContext, "store" | "clock">,
  input: HandIn,
): Promise<CheckpointOutcome | NodeJobRefusal> {
  const checked = await nodeJob(ctx.store, input.jobId, input.nodeId, input.jobToken);
  if (checked.kind !== "ok") return checked;
  return ctx.store.runs.addCheckpoint({ ...input, now: ctx.clock() });
}

export interface CheckpointCheckDeps {
  readonly store: Pick<Store, "runs">;
  readonly ipfs: IpfsReader;
  readonly limits: ReadLimits;
  readonly retry: RetryPolicy;
  readonly log: Logger;
  readonly clock: () => number;
  /** Checkpoints checked at once per round. */
  readonly concurrency: number;
}

/** The check of one checkpoint's bytes against the sha256 handed in. */
export async function checkCheckpoint(
  due: DueCheckpoint,
  deps: Pick<CheckpointCheckDeps, "ipfs" | "limits" | "retry">,
  now: number,
): Promise<CheckpointCheck> {
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
    return {
      outcome: "retry",
      detail: `${error.code} (attempt ${attempt}): ${error.message}`,
      nextAt: now + backoffDelay(attempt, deps.retry),
    };
  }
}

/**
 * Checks the checkpoints due now, `concurrency` at a time, and records each verdict.
 * A failed check is logged and retried next round, except a store outage, thrown once
 * every check of the round has ended.
 */
export async function checkDueCheckpoints(deps: CheckpointCheckDeps): Promise<void> {
  const { store, log } = deps;

  async function check(due: DueCheckpoint): Promise<void> {
    const verdict = await checkCheckpoint(due, deps, deps.clock());
    const progressed = await store.runs.recordCheck(due, verdict, deps.clock());
    const fields = { jobId: due.jobId, nodeId: due.nodeId, epoch: due.checkpoint.epoch, cid: due.checkpoint.cid };
    if (verdict.outcome === "verified") log.info("checkpoint verified", { ...fields, progressed });
    else if (verdict.outcome === "rejected") log.warn("checkpoint rejected", { ...fields, detail: verdict.detail });
    else log.info("checkpoint check failed for now; retrying later", { ...fields, detail: verdict.detail, nextAt: verdict.nextAt });
  }

  const due = await store.runs.dueCheckpoints(deps.clock(), deps.concurrency);
  const checked = await Promise.allSettled(due.map(check));
  checked.forEach((result, index) => {
    if (result.status === "fulfilled") return;
    if (isStoreUnavailable(result.reason)) throw result.reason;
    log.error("checkpoint check failed; retrying next tick", {
      jobId: due[index].jobId,
      epoch: due[index].checkpoint.epoch,
      error: result.reason,
    });
  });
}
