/** What the API answers for quotes, jobs and nodes (bigints serialise as strings). */
import type { Explanation } from "../domain/availability";
import { ESCROW_STATUS_OF } from "../domain/job-state";
import type { Quote } from "../domain/pricing";
import type { ReliabilityScore } from "../domain/reliability";
import type { JobSpec, StoredJob } from "../store/job-codec";
import type { StoredNode } from "../store/node-codec";

export function quoteView(quote: Quote, allowedModels: readonly string[], availability: Explanation) {
  return {
    quoteId: quote.quoteId,
    createdAt: quote.createdAt,
    expiresAt: quote.expiresAt,
    priority: quote.priority,
    gpu: {
      priceModel: quote.gpuModel,
      nodeClass: quote.nodeClass,
      allowedModels: allowedModels.length === 0 ? null : allowedModels,
      minVramGb: quote.minVramGb,
    },
    estimate: {
      tokensPerEpoch: quote.estimate.tokensPerEpoch,
      trainingFlops: quote.estimate.trainingFlops,
      gpuMicroHours: quote.estimate.gpuMicroHours,
      gpuHours: quote.estimatedGpuHours,
      minVramGb: quote.estimate.minVramGb,
    },
    amount: quote.amount,
    breakdown: quote.breakdown,
    feeBps: quote.feeBps,
    nodeAmount: quote.nodeAmount,
    platformFee: quote.platformFee,
    availability,
  };
}

/** The answer to a submission (and, byte for byte, to its retries). */
export function submittedView(job: JobSpec) {
  return {
    jobId: job.jobId,
    status: "queued",
    quoteId: job.quoteId,
    escrow: job.escrow,
    amount: job.amount,
    feeBps: job.feeBps,
    nodeBudget: job.maxPrice,
    priority: job.priority,
    submittedAt: job.submittedAt,
    links: { self: `/v1/jobs/${job.jobId}` },
  };
}

export function jobView(job: StoredJob) {
  const { state } = job;
  return {
    jobId: job.jobId,
    status: state.status,
    escrow: {
      address: job.escrow,
      amount: job.amount,
      feeBps: job.feeBps,
      expectedStatus: ESCROW_STATUS_OF[state.status],
    },
    quoteId: job.quoteId,
    priority: job.priority,
    datasetCid: job.datasetCid,
    nodeId: state.nodeId,
    attempts: state.attempts,
    maxAttempts: state.maxAttempts,
    excludedNodes: state.excludedNodes,
    progress: job.progress,
    offerDeadline: job.offerDeadline,
    proof: state.proof,
    // What the coordinator checked of the proof: the latest verdict (a retry with its
    // next attempt, or the final one, saying whether the metrics were re-evaluated).
    verification:
      state.proof === null
        ? null
        : {
            transientFailures: job.verifyAttempts,
            verdict: job.verification,
            nextCheckAt: job.verification?.outcome === "retry" ? job.verification.nextAt : null,
          },
    settlementSignature: state.settlementSignature,
    submittedAt: job.submittedAt,
    updatedAt: job.updatedAt,
    history: state.history,
  };
}

export function nodeView(node: StoredNode, reliability: ReliabilityScore) {
  return {
    nodeId: node.nodeId,
    gpuModel: node.gpuModel,
    vramGb: node.vramGb,
    nodeClass: node.nodeClass,
    gpuCount: node.gpuCount,
    priceFloor: node.priceFloor,
    state: !node.online ? "offline" : node.jobId === null ? "online" : "busy",
    jobId: node.jobId,
    registeredAt: node.registeredAt,
    lastSeen: node.lastSeen,
    reliability: { score: reliability.score, parts: reliability.parts },
  };
}
