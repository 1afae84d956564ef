/**
 * The job state machine's vocabulary: statuses, events, the reasons and history records
 * the API shows, the state itself, its errors, and which statuses each event may leave.
 * The transitions are in job-state.ts, each money state's escrow instruction in
 * job-escrow.ts.
 */
import { type AbandonFault, JOB_STATUSES, type JobStatusName } from "@cyxwiz/protocol/api/constants";
import { CoordinatorError } from "./errors";
import type { EscrowInstruction } from "./job-escrow";
import type { ProofVerdict, RejectedVerdict, RetryVerdict, VerifiedVerdict } from "./proof-verdict";

export { JOB_STATUSES };
export type JobStatus = JobStatusName;

export const TERMINAL_STATUSES: readonly JobStatus[] = ["released", "refunded", "settled"];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const JOB_EVENT_TYPES = [
  "offer",
  "accept",
  "offer-expired",
  "node-lost",
  "abandon",
  "report",
  "proof-verified",
  "proof-rejected",
  "proof-retry",
  "release-confirmed",
  "refund-confirmed",
  "timed-out",
  "settle-confirmed",
  "cancel",
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

export interface WeightsProof {
  readonly weightsCid: string;
  /** sha256 of the weights, hex. */
  readonly weightsSha256: string;
}

interface At {
  /** Unix ms. */
  readonly at: number;
}

export type JobEvent =
  | (At & { readonly type: "offer"; readonly nodeId: string })
  | (At & { readonly type: "accept"; readonly nodeId: string })
  | (At & { readonly type: "offer-expired"; readonly nodeId: string })
  | (At & { readonly type: "node-lost"; readonly nodeId: string; readonly detail?: string })
  /** The node gives the job up: `reason` in its words, `fault` whose it says the failure is. */
  | (At & { readonly type: "abandon"; readonly nodeId: string; readonly reason: string; readonly fault?: AbandonFault })
  | (At & { readonly type: "report"; readonly nodeId: string; readonly proof: WeightsProof })
  | (At & { readonly type: "proof-verified"; readonly verdict: VerifiedVerdict })
  | (At & { readonly type: "proof-rejected"; readonly verdict: RejectedVerdict })
  | (At & { readonly type: "proof-retry"; readonly verdict: RetryVerdict })
  | (At & { readonly type: "release-confirmed"; readonly signature: string })
  | (At & { readonly type: "refund-confirmed"; readonly signature: string })
  | (At & { readonly type: "timed-out"; readonly nodeShareBps: number })
  | (At & { readonly type: "settle-confirmed"; readonly signature: string })
  /** nodeShareBps: required when the job is running (its verified progress), ignored before. */
  | (At & { readonly type: "cancel"; readonly nodeShareBps?: number });

/** Whose fault a node says its giving up is, and the longest reason it may give: the API's. */
export { ABANDON_FAULTS, AbandonFault, MAX_ABANDON_REASON_CHARS } from "@cyxwiz/protocol/api/constants";

/** Why a transition happened: stable strings the API shows. */
export type TransitionReason =
  | "submitted"
  | "matched"
  | "accepted"
  | "offer-expired"
  | "node-lost"
  | "node-abandoned"
  | "max-attempts-reached"
  | "proof-reported"
  | "proof-verified"
  | "proof-rejected"
  | "proof-check-retry"
  | "release-confirmed"
  | "refund-confirmed"
  | "timed-out"
  | "settle-confirmed"
  | "cancelled-by-client";

export interface TransitionRecord {
  readonly at: number;
  /** null for the job's creation. */
  readonly from: JobStatus | null;
  readonly to: JobStatus;
  readonly event: JobEventType | "submit";
  readonly reason: TransitionReason;
  readonly nodeId?: string;
  readonly detail?: string;
  /** The escrow instruction this transition stands for, if any. */
  readonly instruction?: EscrowInstruction;
  /** For the proof events: the verifier's verdict, as it was decided. */
  readonly verdict?: ProofVerdict;
  /** For abandon: whose fault the node says it is. */
  readonly fault?: AbandonFault;
}

export interface JobState {
  readonly jobId: string;
  readonly status: JobStatus;
  /** The node the job is offered to or running on. */
  readonly nodeId: string | null;
  /** Node losses so far. */
  readonly attempts: number;
  /** The node loss that makes `attempts` reach this refunds the job instead of requeueing it. */
  readonly maxAttempts: number;
  readonly excludedNodes: readonly string[];
  readonly proof: WeightsProof | null;
  /** For settle_partial: the node's share of the escrow by verified progress. */
  readonly nodeShareBps: number | null;
  /** The signature of the confirmed release, refund or settlement. */
  readonly settlementSignature: string | null;
  readonly history: readonly TransitionRecord[];
}

export type TransitionErrorCode = "TRANSITION_FORBIDDEN" | "WRONG_NODE" | "NODE_EXCLUDED" | "INVALID_EVENT";

export class TransitionError extends CoordinatorError<TransitionErrorCode> {
  constructor(
    code: TransitionErrorCode,
    readonly status: JobStatus,
    readonly event: JobEventType,
    message: string,
  ) {
    super(code, message);
  }
}

export type TransitionResult = JobState | TransitionError;

export type JobStateErrorCode = "INVALID_JOB_STATE";

export class JobStateError extends CoordinatorError<JobStateErrorCode> {}

/**
 * The statuses each event may leave. node-lost goes back to queued, or to refunding
 * when it is the job's `maxAttempts`-th loss.
 */
export const EVENT_SOURCES: Readonly<Record<JobEventType, readonly JobStatus[]>> = {
  offer: ["queued"],
  accept: ["offered"],
  "offer-expired": ["offered"],
  "node-lost": ["running"],
  abandon: ["offered", "running"],
  report: ["running"],
  "proof-verified": ["verifying"],
  "proof-rejected": ["verifying"],
  "proof-retry": ["verifying"],
  "release-confirmed": ["releasing"],
  "refund-confirmed": ["refunding"],
  "timed-out": ["running"],
  "settle-confirmed": ["settling-partial"],
  cancel: ["queued", "offered", "running"],
};
