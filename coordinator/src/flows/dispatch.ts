/**
 * Dispatch: one matching round and its offers. The domain matcher pairs the most
 * urgent queued jobs with free online nodes; each pair is reserved in Redis, the
 * escrow locked to the node on chain (awaited to confirmation), and only then is the
 * offer published for the node's next heartbeat. A reserved offer whose lock never
 * happens expires (flows/expire.ts) and the job is unlocked and requeued.
 */
import { randomBytes } from "node:crypto";

import { resumePoint } from "../domain/checkpoints";
import { matchRound, type QueuedJob } from "../domain/matcher";
import { nodeRecord, type NodeRecord } from "../domain/node-pool";
import { toJson } from "../json";
import { isStoreUnavailable } from "../store/failures";
import type { StoredJob } from "../store/job-codec";
import { nodeReliability } from "../store/node-codec";
import { escrowRefOf, type FlowContext } from "./context";

export type DispatchContext = Pick<FlowContext, "store" | "clock" | "log" | "config" | "catalogue" | "matcher" | "escrowActions">;

/**
 * Matches up to `batch` queued jobs, most urgent first, with the free online nodes and
 * offers each pair. A failed offer is logged and the others go on, except a store
 * outage, which is thrown once every offer of the round has ended.
 */
export async function dispatchRound(ctx: DispatchContext, batch: number): Promise<void> {
  const { store, log, config } = ctx;
  if ((await store.jobs.queuedCount()) === 0) return;
  const free = (await store.nodes.online()).filter((node) => node.jobId === null);
  if (free.length === 0) return;
  const now = ctx.clock();
  const queued = await store.jobs.mostUrgent(batch);
  const jobs = new Map(queued.map((job) => [job.jobId, job]));
  const freeNodes: NodeRecord[] = [];
  for (const node of free) {
    try {
      const reliability = nodeReliability(node, now, config.heartbeat.intervalMs).score;
      freeNodes.push(nodeRecord({ ...node, reliability }, ctx.catalogue));
    } catch (error) {
      log.warn("node left out of matching", { nodeId: node.nodeId, error: (error as Error).message });
    }
  }
  const round = matchRound({ freeNodes, queuedJobs: queued.map(queuedJob), now, config: ctx.matcher });
  for (const { jobId, error } of round.unmatched) {
    if (error !== undefined) log.warn("job left out of matching", { jobId, error: error.message });
  }
  const assignments = round.assignments;
  const offered = await Promise.allSettled(
    assignments.map((assignment) => offerJob(ctx, jobs.get(assignment.jobId) as StoredJob, assignment.nodeId, now)),
  );
  offered.forEach((result, index) => {
    if (result.status === "fulfilled") return;
    if (isStoreUnavailable(result.reason)) throw result.reason;
    log.error("offer failed", { jobId: assignments[index].jobId, nodeId: assignments[index].nodeId, error: result.reason });
  });
}

function queuedJob(job: StoredJob): QueuedJob {
  return {
    jobId: job.jobId,
    priority: job.priority,
    submittedAt: job.submittedAt,
    requirements: { minVramGb: job.minVramGb, gpuModels: job.gpuModels },
    maxPrice: job.maxPrice,
    gpuMicroHours: job.gpuMicroHours,
    excludedNodes: job.state.excludedNodes,
    attempts: job.state.attempts,
  };
}

/** Reserve → lock on chain → publish: the offer of `job` to `nodeId`. */
export async function offerJob(ctx: DispatchContext, job: StoredJob, nodeId: string, now: number): Promise<void> {
  const { store, log } = ctx;
  const deadline = now + ctx.config.matching.offerTimeoutMs;
  const reserved = await store.offers.reserve(job, nodeId, now, deadline);
  if (reserved !== "reserved") return log.debug("offer not reserved", { jobId: job.jobId, nodeId, outcome: reserved });
  try {
    await ctx.escrowActions.lock(escrowRefOf(job), nodeId);
  } catch (error) {
    return log.error("escrow lock failed; the offer will expire and the job be requeued", { jobId: job.jobId, nodeId, error });
  }
  // A fresh token per offer: bound to this job, node and attempt, so a report or a
  // checkpoint with the token of an earlier attempt is refused (403 BAD_JOB_TOKEN).
  const jobToken = randomBytes(32).toString("hex");
  // The latest verified checkpoint of an earlier run (none has started for this offer yet).
  const resumeFrom = resumePoint(await store.runs.checkpoints(job.jobId));
  const published = await store.offers.publish(
    job.jobId,
    nodeId,
    toJson({
      jobId: job.jobId,
      escrow: job.escrow,
      datasetCid: job.datasetCid,
      config: JSON.parse(job.config) as unknown,
      payment: job.maxPrice,
      gpuMicroHours: job.gpuMicroHours,
      acceptBy: deadline,
      maxDurationSecs: job.maxDurationSecs,
      jobToken,
      ...(resumeFrom === null ? {} : { resumeFrom }),
    }),
    jobToken,
    resumeFrom?.epoch ?? 0,
  );
  if (published) log.info("job offered", { jobId: job.jobId, nodeId });
}
