/** Each job state's escrow on chain: the instruction a money state stands for, and the escrow's status. */
import type { JobStatus } from "./job-state-tables";

/** JobEscrow instructions the coordinator sends (create_escrow is the client's). */
export type EscrowInstruction = "lock_escrow" | "unlock_escrow" | "release_escrow" | "refund_escrow" | "settle_partial";

/**
 * The money states: a job in one of these has an intent to send this instruction,
 * persisted before sending and re-sent until confirmed; its confirmation event takes
 * the job to the matching terminal state.
 */
export const MONEY_STATE_INSTRUCTION: Readonly<Partial<Record<JobStatus, EscrowInstruction>>> = {
  releasing: "release_escrow", // → released
  refunding: "refund_escrow", // → refunded
  "settling-partial": "settle_partial", // → settled
};

/** The escrow's on-chain status while the job is in each state. */
export const ESCROW_STATUS_OF: Readonly<Record<JobStatus, string>> = {
  queued: "Created",
  offered: "Locked", // lock_escrow to the node is confirmed before the offer is made
  running: "Locked",
  verifying: "Locked",
  releasing: "Locked", // release_escrow in flight
  released: "Released",
  refunding: "Created or Locked", // refund_escrow in flight; both statuses allow it
  refunded: "Refunded",
  "settling-partial": "Locked", // settle_partial in flight
  settled: "Released (Refunded when the node's share is 0)",
};
