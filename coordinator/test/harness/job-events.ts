/**
 * Job states and events for the job state machine's unit tests: a well-formed event of
 * each type, and the shortest path of events to each status.
 */
import {
  type JobEvent,
  type JobEventType,
  type JobState,
  type JobStatus,
  newJobState,
  transitionOrThrow,
} from "../../src/domain/job-state";
import type { RejectedVerdict, RetryVerdict, VerifiedVerdict } from "../../src/domain/proof-verdict";
import { walletId } from "./fixtures";

export const NODE_A = walletId("node-a");
export const NODE_B = walletId("node-b");
export const SHA = "ab".repeat(32);
export const VERIFIED: VerifiedVerdict = {
  outcome: "verified",
  sha256: SHA,
  bytes: 10,
  metrics: { reevaluated: false, why: "no evaluator" },
};
export const REJECTED: RejectedVerdict = { outcome: "rejected", reason: "hash-mismatch", detail: "hashes to cd…", attempt: 1 };
export const RETRY: RetryVerdict = {
  outcome: "retry",
  reason: "fetch-timeout",
  detail: "no answer in 15000 ms",
  attempt: 1,
  nextAt: 6_000,
};

/** A well-formed event of each type, from the node the job is with (or NODE_A). */
export function eventOf(type: JobEventType, state: JobState, at = 1_000): JobEvent {
  const nodeId = state.nodeId ?? NODE_A;
  switch (type) {
    case "offer":
    case "accept":
    case "offer-expired":
    case "node-lost":
      return { type, at, nodeId };
    case "abandon":
      return { type, at, nodeId, reason: "the dataset is not cyxwiz-tabular@1", fault: "job" };
    case "report":
      return { type, at, nodeId, proof: { weightsCid: "bafy-weights", weightsSha256: SHA } };
    case "cancel":
      return { type, at, nodeShareBps: 4_000 };
    case "proof-verified":
      return { type, at, verdict: VERIFIED };
    case "proof-rejected":
      return { type, at, verdict: REJECTED };
    case "proof-retry":
      return { type, at, verdict: RETRY };
    case "timed-out":
      return { type, at, nodeShareBps: 4_000 };
    case "release-confirmed":
    case "refund-confirmed":
    case "settle-confirmed":
      return { type, at, signature: "5ig" };
  }
}

export function run(state: JobState, types: readonly JobEventType[]): JobState {
  return types.reduce((current, type) => transitionOrThrow(current, eventOf(type, current)), state);
}

export const PATHS: Readonly<Record<JobStatus, readonly JobEventType[]>> = {
  queued: [],
  offered: ["offer"],
  running: ["offer", "accept"],
  verifying: ["offer", "accept", "report"],
  releasing: ["offer", "accept", "report", "proof-verified"],
  released: ["offer", "accept", "report", "proof-verified", "release-confirmed"],
  refunding: ["cancel"],
  refunded: ["cancel", "refund-confirmed"],
  "settling-partial": ["offer", "accept", "timed-out"],
  settled: ["offer", "accept", "timed-out", "settle-confirmed"],
};

export const fresh = (maxAttempts = 3): JobState => newJobState("job-1", 0, maxAttempts);
export const reach = (status: JobStatus, maxAttempts = 3): JobState => run(fresh(maxAttempts), PATHS[status]);
