/**
 * A money intent: what the coordinator is about to do to a job's escrow, written to
 * Redis with the fully signed transaction BEFORE that transaction is sent, so that a
 * process that dies at any point leaves enough behind for another one to finish the
 * action without ever paying twice. Redis hash fields are strings; this is the typed
 * view of one.
 */
import type { PublicKey } from "@solana/web3.js";

import { SettlementError } from "./errors";
import { decodeRequest, SETTLEMENT_ACTIONS, type SettlementAction, type SettlementRequest } from "./settlement-actions";

export type IntentState = "pending" | "confirmed" | "failed";

/** How a finished intent's outcome was established. */
export type OutcomeSource = "transaction" | "chain-state";

export interface Intent {
  jobId: string;
  /** Per job, increasing: names the audit copy `intent-done:<jobId>:<seq>`. */
  seq: number;
  action: SettlementAction;
  /** The request's canonical JSON (see `encodeRequest`). */
  args: string;
  escrow: PublicKey;
  request: SettlementRequest;
  /** The signed transaction, base64; empty when none was signed (nothing can land). */
  tx: string;
  /** The signature of `tx` (empty with it). */
  signature: string;
  /** Every signature this intent has ever signed, oldest first. */
  signatures: string[];
  blockhash: string;
  /** `tx` can land only while the cluster's block height is at most this. */
  lastValidBlockHeight: number;
  /** The escrow's attempt counter when the intent was made (see `isReflected`). */
  escrowAttempt: number;
  /** How many transactions were signed (1 + re-signs after expiry). */
  attempts: number;
  state: IntentState;
  createdAt: number;
  updatedAt: number;
  via: OutcomeSource | null;
  /** The landed transaction (successful, or failed with `error`). */
  landedSignature: string | null;
  /** The decoded program error name of a failure. */
  error: string | null;
  detail: string | null;
  doneAt: number | null;
}

/** What a finished intent tells its caller. */
export interface SettlementOutcome {
  jobId: string;
  seq: number;
  action: SettlementAction;
  state: "confirmed" | "failed";
  via: OutcomeSource;
  /** The transaction that landed, or null when the chain state alone settled it. */
  signature: string | null;
  /** Every transaction signed for the intent. */
  signatures: string[];
  attempts: number;
  error: string | null;
  detail: string | null;
}

/** A Redis HGETALL reply (flat array, as Lua returns it) as a record. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields[String(reply[index])] = String(reply[index + 1]);
  }
  return fields;
}

function isAction(value: string): value is SettlementAction {
  return (SETTLEMENT_ACTIONS as readonly string[]).includes(value);
}

function isState(value: string): value is IntentState {
  return value === "pending" || value === "confirmed" || value === "failed";
}

const optional = (value: string | undefined): string | null => (value === undefined || value === "" ? null : value);

/** The intent in `fields`, or null when the record is empty (no intent). */
export function parseIntent(fields: Record<string, string>): Intent | null {
  if (Object.keys(fields).length === 0) return null;
  const { jobId, action, args, state } = fields;
  if (jobId === undefined || action === undefined || !isAction(action) || args === undefined || !isState(state ?? "")) {
    throw new SettlementError("INTENT_CORRUPT", `malformed intent record ${JSON.stringify(fields)}`);
  }
  const { escrow, request } = decodeRequest(action, args);
  const number = (name: string) => {
    const value = Number(fields[name]);
    if (!Number.isFinite(value)) throw new SettlementError("INTENT_CORRUPT", `intent of ${jobId} has a bad ${name}`);
    return value;
  };
  const via = optional(fields.via);
  return {
    jobId,
    seq: number("seq"),
    action,
    args,
    escrow,
    request,
    tx: fields.tx ?? "",
    signature: fields.signature ?? "",
    signatures: JSON.parse(fields.signatures ?? "[]") as string[],
    blockhash: fields.blockhash ?? "",
    lastValidBlockHeight: number("lastValidBlockHeight"),
    escrowAttempt: number("escrowAttempt"),
    attempts: number("attempts"),
    state: state as IntentState,
    createdAt: number("createdAt"),
    updatedAt: number("updatedAt"),
    via: via === "transaction" || via === "chain-state" ? via : null,
    landedSignature: optional(fields.landedSignature),
    error: optional(fields.error),
    detail: optional(fields.detail),
    doneAt: fields.doneAt === undefined ? null : number("doneAt"),
  };
}

/** The outcome of a finished intent. */
export function outcomeOf(intent: Intent): SettlementOutcome {
  if (intent.state === "pending") {
    throw new SettlementError("INTENT_CORRUPT", `intent ${intent.jobId}#${intent.seq} is still pending`);
  }
  return {
    jobId: intent.jobId,
    seq: intent.seq,
    action: intent.action,
    state: intent.state,
    via: intent.via ?? "chain-state",
    signature: intent.landedSignature,
    signatures: intent.signatures,
    attempts: intent.attempts,
    error: intent.error,
    detail: intent.detail,
  };
}
