/**
 * A job's life as the coordinator sees it, and each state's escrow on chain.
 *
 *   from                event               to                 escrow instruction it stands for
 *   queued              offer               offered            lock_escrow (confirmed before the offer)
 *   offered             accept              running
 *   offered             offer-expired       queued             unlock_escrow; the node is excluded
 *   running             node-lost           queued             unlock_escrow; attempt + 1, node excluded
 *   running             node-lost           refunding          refund_escrow, on the maxAttempts-th loss
 *   offered, running    abandon             queued | refunding the node says it cannot finish (POST /v1/jobs/:id/fail):
 *                                                              as node-lost, with its reason (node-abandoned)
 *   running             report              verifying
 *   verifying           proof-verified      releasing          release_escrow
 *   verifying           proof-rejected      refunding          refund_escrow
 *   verifying           proof-retry         verifying          (none: checked again at the verdict's nextAt)
 *   running             timed-out           settling-partial   settle_partial, node share = verified progress
 *   queued, offered     cancel (client)     refunding          refund_escrow (Created or Locked: no unlock first)
 *   running             cancel (client)     settling-partial   settle_partial, node share = verified progress
 *   releasing           release-confirmed   released
 *   refunding           refund-confirmed    refunded
 *   settling-partial    settle-confirmed    settled
 *
 * The three proof events carry the verifier's verdict (proof-verdict.ts), which the
 * history record keeps: a release is never recorded without the check behind it.
 *
 * Terminal: released, refunded, settled. Every transition is a pure function of the
 * state and an event, returns a new state (or a TransitionError, the state untouched)
 * and appends {at, from, to, event, reason} to the history shown to the client.
 * Events about a node (accept, report, offer-expired, node-lost, abandon) must name the node
 * the job is with: a late word from a node that lost the job is refused (WRONG_NODE).
 * A node that lost or let an offer expire is excluded from the job for good.
 *
 * Verified progress (checkpoints the coordinator fetched and hash-checked, see
 * checkpoints.ts) is what a running job's money is split by when it ends early:
 * timed-out and a client's cancel of a running job both carry the node's share,
 * floor(verified fraction × 10 000) bps, and keep the node as the job's (it is the
 * escrow's payee); a cancel before the job runs refunds everything.
 */
import { ABANDON_FAULTS, type AbandonFault, MAX_ABANDON_REASON_CHARS } from "@cyxwiz/protocol/api/constants";
import { describeVerdict, type ProofVerdict } from "./proof-verdict";
import type { EscrowInstruction } from "./job-escrow";
import {
  EVENT_SOURCES,
  isTerminal,
  type JobEvent,
  type JobState,
  JobStateError,
  type JobStatus,
  TransitionError,
  type TransitionErrorCode,
  type TransitionReason,
  type TransitionRecord,
  type TransitionResult,
} from "./job-state-tables";

export * from "./job-escrow";
export * from "./job-state-tables";

export function newJobState(jobId: string, at: number, maxAttempts: number): JobState {
  if (jobId.length === 0) throw new JobStateError("INVALID_JOB_STATE", "jobId is empty");
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new JobStateError("INVALID_JOB_STATE", `maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  }
  return {
    jobId,
    status: "queued",
    nodeId: null,
    attempts: 0,
    maxAttempts,
    excludedNodes: [],
    proof: null,
    nodeShareBps: null,
    settlementSignature: null,
    history: [{ at, from: null, to: "queued", event: "submit", reason: "submitted" }],
  };
}

type Change = Partial<Omit<JobState, "jobId" | "maxAttempts" | "history">> & {
  readonly status: JobStatus;
  readonly reason: TransitionReason;
  readonly detail?: string;
  readonly instruction?: EscrowInstruction;
  readonly verdict?: ProofVerdict;
  readonly fault?: AbandonFault;
};

function applyChange(state: JobState, event: JobEvent, change: Change): JobState {
  const { reason, detail, instruction, verdict, fault, ...fields } = change;
  const nodeId = "nodeId" in event ? event.nodeId : (state.nodeId ?? undefined);
  const record: TransitionRecord = {
    at: event.at,
    from: state.status,
    to: change.status,
    event: event.type,
    reason,
    ...(nodeId === undefined ? {} : { nodeId }),
    ...(detail === undefined ? {} : { detail }),
    ...(instruction === undefined ? {} : { instruction }),
    ...(verdict === undefined ? {} : { verdict }),
    ...(fault === undefined ? {} : { fault }),
  };
  return { ...state, ...fields, history: [...state.history, record] };
}

function exclude(state: JobState, nodeId: string): readonly string[] {
  return state.excludedNodes.includes(nodeId) ? state.excludedNodes : [...state.excludedNodes, nodeId];
}

function forbidden(state: JobState, event: JobEvent, code: TransitionErrorCode, why: string): TransitionError {
  return new TransitionError(code, state.status, event.type, `job ${state.jobId}: ${event.type} in ${state.status}: ${why}`);
}

/** The state after `event`, or why the event is refused. Never throws for a refused event. */
export function transition(state: JobState, event: JobEvent): TransitionResult {
  if (!Number.isFinite(event.at)) return forbidden(state, event, "INVALID_EVENT", "event time is not a number");
  if (!EVENT_SOURCES[event.type].includes(state.status)) {
    const why = isTerminal(state.status) ? "the job is over" : `allowed only in ${EVENT_SOURCES[event.type].join(", ")}`;
    return forbidden(state, event, "TRANSITION_FORBIDDEN", why);
  }
  if ("nodeId" in event && event.type !== "offer" && event.nodeId !== state.nodeId) {
    return forbidden(state, event, "WRONG_NODE", `the job is with ${state.nodeId}, not ${event.nodeId}`);
  }

  switch (event.type) {
    case "offer":
      if (state.excludedNodes.includes(event.nodeId)) {
        return forbidden(state, event, "NODE_EXCLUDED", `node ${event.nodeId} already failed this job`);
      }
      return applyChange(state, event, {
        status: "offered",
        nodeId: event.nodeId,
        reason: "matched",
        instruction: "lock_escrow",
      });
    case "accept":
      return applyChange(state, event, { status: "running", reason: "accepted" });
    case "offer-expired":
      return applyChange(state, event, {
        status: "queued",
        nodeId: null,
        excludedNodes: exclude(state, event.nodeId),
        reason: "offer-expired",
        instruction: "unlock_escrow",
      });
    case "node-lost": {
      const attempts = state.attempts + 1;
      const excludedNodes = exclude(state, event.nodeId);
      if (attempts >= state.maxAttempts) {
        return applyChange(state, event, {
          status: "refunding",
          nodeId: null,
          attempts,
          excludedNodes,
          reason: "max-attempts-reached",
          detail: event.detail ?? `node lost on attempt ${attempts} of ${state.maxAttempts}`,
          instruction: "refund_escrow",
        });
      }
      return applyChange(state, event, {
        status: "queued",
        nodeId: null,
        attempts,
        excludedNodes,
        reason: "node-lost",
        ...(event.detail === undefined ? {} : { detail: event.detail }),
        instruction: "unlock_escrow",
      });
    }
    case "abandon":
      return abandoned(state, event);
    case "report":
      if (event.proof.weightsCid.length === 0 || !/^[0-9a-f]{64}$/.test(event.proof.weightsSha256)) {
        return forbidden(state, event, "INVALID_EVENT", "a report needs a CID and a lowercase hex sha256");
      }
      return applyChange(state, event, { status: "verifying", proof: event.proof, reason: "proof-reported" });
    case "proof-verified":
    case "proof-rejected":
    case "proof-retry":
      return proofChecked(state, event);
    case "timed-out":
      return settlePartially(state, event, event.nodeShareBps, "timed-out");
    case "cancel":
      if (state.status === "running") return settlePartially(state, event, event.nodeShareBps, "cancelled-by-client");
      return applyChange(state, event, {
        status: "refunding",
        nodeId: null,
        reason: "cancelled-by-client",
        instruction: "refund_escrow",
      });
    case "release-confirmed":
      return applyChange(state, event, {
        status: "released",
        settlementSignature: event.signature,
        reason: "release-confirmed",
      });
    case "refund-confirmed":
      return applyChange(state, event, { status: "refunded", settlementSignature: event.signature, reason: "refund-confirmed" });
    case "settle-confirmed":
      return applyChange(state, event, { status: "settled", settlementSignature: event.signature, reason: "settle-confirmed" });
  }
}

/**
 * The node gives the job up, offered or running: like a lost node (unlock, attempt + 1,
 * node excluded, refund on the maxAttempts-th loss), recorded as node-abandoned with
 * the node's reason, so the client sees why.
 */
function abandoned(state: JobState, event: Extract<JobEvent, { type: "abandon" }>): TransitionResult {
  const reason = event.reason.trim();
  if (reason.length === 0 || event.reason.length > MAX_ABANDON_REASON_CHARS) {
    return forbidden(state, event, "INVALID_EVENT", `the reason must be 1..${MAX_ABANDON_REASON_CHARS} characters`);
  }
  if (event.fault !== undefined && !ABANDON_FAULTS.includes(event.fault)) {
    return forbidden(state, event, "INVALID_EVENT", `fault must be one of ${ABANDON_FAULTS.join(", ")}`);
  }
  const attempts = state.attempts + 1;
  const last = attempts >= state.maxAttempts;
  const fault = event.fault === undefined ? "" : ` (fault: ${event.fault})`;
  return applyChange(state, event, {
    status: last ? "refunding" : "queued",
    nodeId: null,
    attempts,
    excludedNodes: exclude(state, event.nodeId),
    reason: "node-abandoned",
    detail: `the node gave the job up on attempt ${attempts} of ${state.maxAttempts}${fault}${last ? ", the last: refunded" : ""}: ${reason}`,
    instruction: last ? "refund_escrow" : "unlock_escrow",
    ...(event.fault === undefined ? {} : { fault: event.fault }),
  });
}

/** A running job ends early: the node is paid its verified share, the payer the rest. */
function settlePartially(state: JobState, event: JobEvent, nodeShareBps: number | undefined, reason: TransitionReason): TransitionResult {
  if (nodeShareBps === undefined || !Number.isInteger(nodeShareBps) || nodeShareBps < 0 || nodeShareBps > 10_000) {
    return forbidden(state, event, "INVALID_EVENT", `nodeShareBps must be an integer in 0..=10000, got ${nodeShareBps}`);
  }
  return applyChange(state, event, {
    status: "settling-partial",
    nodeShareBps,
    reason,
    detail: `verified progress ${nodeShareBps / 100}%`,
    instruction: "settle_partial",
  });
}

type ProofEvent = Extract<JobEvent, { type: "proof-verified" | "proof-rejected" | "proof-retry" }>;

/** A verdict on the reported proof: release, refund, or check again later. */
function proofChecked(state: JobState, event: ProofEvent): TransitionResult {
  const { verdict } = event;
  // The event type and the verdict must agree: a mislabelled verdict must not release.
  const expected = { "proof-verified": "verified", "proof-rejected": "rejected", "proof-retry": "retry" }[event.type];
  if (verdict.outcome !== expected) {
    return forbidden(state, event, "INVALID_EVENT", `a ${event.type} event needs a ${expected} verdict, got ${verdict.outcome}`);
  }
  if (state.proof === null) return forbidden(state, event, "INVALID_EVENT", "no proof was reported");
  if (verdict.outcome === "verified" && verdict.sha256 !== state.proof.weightsSha256) {
    return forbidden(state, event, "INVALID_EVENT", `verified sha256 ${verdict.sha256} is not the reported ${state.proof.weightsSha256}`);
  }
  const detail = describeVerdict(verdict);
  switch (verdict.outcome) {
    case "verified":
      return applyChange(state, event, { status: "releasing", reason: "proof-verified", detail, verdict, instruction: "release_escrow" });
    case "rejected":
      return applyChange(state, event, { status: "refunding", reason: "proof-rejected", detail, verdict, instruction: "refund_escrow" });
    case "retry":
      return applyChange(state, event, { status: "verifying", reason: "proof-check-retry", detail, verdict });
  }
}

/** `transition` for callers that treat a refused event as a bug. */
export function transitionOrThrow(state: JobState, event: JobEvent): JobState {
  const next = transition(state, event);
  if (next instanceof TransitionError) throw next;
  return next;
}
