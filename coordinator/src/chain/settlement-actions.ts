/**
 * The five money actions the coordinator signs, each described once: the request
 * and its persisted form, the instructions it sends, the escrow statuses that allow
 * it, and how to tell from the escrow alone that it has already happened (the basis
 * of reconciling an intent whose transaction was lost, or landed for somebody else).
 */
import { PublicKey, type TransactionInstruction } from "@solana/web3.js";

import {
  BPS_DENOMINATOR,
  createTokenAccountInstruction,
  type Escrow,
  type EscrowStatusName,
  type JobEscrowProgram,
  lockEscrowInstruction,
  type ProofHash,
  refundEscrowInstruction,
  releaseEscrowInstruction,
  settlePartialInstruction,
  split,
  tokenAccountAddress,
  unlockEscrowInstruction,
} from "@cyxwiz/sdk";
import type { EscrowInstruction } from "../domain/job-state";
import { SettlementError } from "./errors";

export const SETTLEMENT_ACTIONS = ["lock", "unlock", "release", "refund", "settle-partial"] as const;
export type SettlementAction = (typeof SETTLEMENT_ACTIONS)[number];

export type SettlementRequest =
  | { action: "lock"; node: PublicKey }
  | { action: "unlock" }
  | { action: "release"; proofHash: ProofHash }
  | { action: "refund" }
  | { action: "settle-partial"; nodeShareBps: number; proofHash: ProofHash };

export const INSTRUCTION_OF: Readonly<Record<SettlementAction, EscrowInstruction>> = {
  lock: "lock_escrow",
  unlock: "unlock_escrow",
  release: "release_escrow",
  refund: "refund_escrow",
  "settle-partial": "settle_partial",
};

/**
 * Refuses what the program would refuse whatever the escrow's state, before anything
 * is signed: a landed failure costs a fee and tells nobody more.
 */
export function validateRequest(jobId: string, request: SettlementRequest): void {
  const invalid = (why: string) => new SettlementError("INVALID_REQUEST", `${request.action} for job ${JSON.stringify(jobId)}: ${why}`);
  if (jobId === "") throw invalid("the job id is empty");
  if (request.action === "release" || request.action === "settle-partial") {
    const length = request.proofHash.length;
    if (length !== 32) throw invalid(`the proof hash must be 32 bytes, got ${length}`);
    if (request.proofHash.every((byte) => byte === 0)) throw invalid("the proof hash is all zeros");
  }
  if (request.action === "settle-partial") {
    const bps = request.nodeShareBps;
    if (!Number.isInteger(bps) || bps < 0 || bps > BPS_DENOMINATOR) {
      throw invalid(`the node share must be an integer in 0..=${BPS_DENOMINATOR} bps, got ${bps}`);
    }
  }
}

/**
 * The request as stored in the intent. Keys are written in a fixed order, so two
 * requests are the same action exactly when their encodings are equal strings
 * (the Lua scripts compare them that way).
 */
export function encodeRequest(escrow: PublicKey, request: SettlementRequest): string {
  const hex = (hash: ProofHash) => Buffer.from(hash).toString("hex");
  switch (request.action) {
    case "lock":
      return JSON.stringify({ escrow: escrow.toBase58(), node: request.node.toBase58() });
    case "release":
      return JSON.stringify({ escrow: escrow.toBase58(), proofHash: hex(request.proofHash) });
    case "settle-partial":
      return JSON.stringify({
        escrow: escrow.toBase58(),
        nodeShareBps: request.nodeShareBps,
        proofHash: hex(request.proofHash),
      });
    case "unlock":
    case "refund":
      return JSON.stringify({ escrow: escrow.toBase58() });
  }
}

export function decodeRequest(action: string, args: string): { escrow: PublicKey; request: SettlementRequest } {
  let parsed: { escrow?: unknown; node?: unknown; proofHash?: unknown; nodeShareBps?: unknown };
  try {
    parsed = JSON.parse(args) as typeof parsed;
  } catch {
    throw new SettlementError("INTENT_CORRUPT", `intent args are not JSON: ${args}`);
  }
  const text = (value: unknown, what: string): string => {
    if (typeof value !== "string") throw new SettlementError("INTENT_CORRUPT", `intent args lack ${what}: ${args}`);
    return value;
  };
  const hash = (value: unknown) => new Uint8Array(Buffer.from(text(value, "proofHash"), "hex"));
  const escrow = new PublicKey(text(parsed.escrow, "escrow"));
  switch (action) {
    case "lock":
      return { escrow, request: { action, node: new PublicKey(text(parsed.node, "node")) } };
    case "release":
      return { escrow, request: { action, proofHash: hash(parsed.proofHash) } };
    case "settle-partial":
      if (typeof parsed.nodeShareBps !== "number") {
        throw new SettlementError("INTENT_CORRUPT", `intent args lack nodeShareBps: ${args}`);
      }
      return { escrow, request: { action, nodeShareBps: parsed.nodeShareBps, proofHash: hash(parsed.proofHash) } };
    case "unlock":
    case "refund":
      return { escrow, request: { action } };
    default:
      throw new SettlementError("INTENT_CORRUPT", `unknown intent action ${JSON.stringify(action)}`);
  }
}

/** Statuses in which the program accepts the action from the coordinator. */
export function allowedIn(action: SettlementAction): readonly EscrowStatusName[] {
  switch (action) {
    case "lock":
      return ["Created"];
    case "refund":
      return ["Created", "Locked"];
    case "unlock":
    case "release":
    case "settle-partial":
      return ["Locked"];
  }
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Whether `escrow` shows `request` done. `attemptAtIntent` is the escrow's attempt
 * counter when the intent was made: it tells this lock from an earlier lock to the
 * same node, and this unlock from an earlier one.
 */
export function isReflected(escrow: Escrow, request: SettlementRequest, attemptAtIntent: number): boolean {
  switch (request.action) {
    case "lock":
      return escrow.status === "Locked" && escrow.payee?.equals(request.node) === true && escrow.attempt === attemptAtIntent;
    case "unlock":
      return escrow.status === "Created" && escrow.attempt > attemptAtIntent;
    case "release":
      return (
        escrow.status === "Released" &&
        sameHash(escrow.proofHash, request.proofHash) &&
        escrow.nodePaid + escrow.platformPaid === escrow.amount
      );
    case "refund":
      return escrow.status === "Refunded" && escrow.refunded === escrow.amount && escrow.nodePaid === 0n;
    case "settle-partial": {
      const expected = split(escrow.amount, request.nodeShareBps, escrow.feeBps);
      return (
        (escrow.status === "Released" || escrow.status === "Refunded") &&
        sameHash(escrow.proofHash, request.proofHash) &&
        escrow.nodePaid === expected.node &&
        escrow.platformPaid === expected.platform
      );
    }
  }
}

/**
 * The instructions of `request` on `escrow`, signed by `coordinator`. Payouts go to
 * the recipients' associated token accounts, created first when missing (idempotent,
 * rent paid by the coordinator): a node or payer without one must not make a
 * verified job unpayable.
 */
export async function actionInstructions(
  program: JobEscrowProgram,
  coordinator: PublicKey,
  escrow: Escrow,
  request: SettlementRequest,
): Promise<TransactionInstruction[]> {
  const mint = escrow.tokenMint;
  const base = { coordinator, escrow: escrow.address };
  const payee = (): PublicKey => {
    if (escrow.payee === null) {
      throw new SettlementError("SETTLEMENT_FAILED", `escrow ${escrow.address.toBase58()} has no node to pay`);
    }
    return escrow.payee;
  };
  switch (request.action) {
    case "lock":
      return [await lockEscrowInstruction(program, { ...base, node: request.node })];
    case "unlock":
      return [await unlockEscrowInstruction(program, base)];
    case "release":
      return [
        createTokenAccountInstruction(coordinator, payee(), mint),
        await releaseEscrowInstruction(program, {
          ...base,
          mint,
          nodeToken: tokenAccountAddress(mint, payee()),
          treasuryToken: escrow.platform,
          proofHash: request.proofHash,
        }),
      ];
    case "refund":
      return [
        createTokenAccountInstruction(coordinator, escrow.payer, mint),
        await refundEscrowInstruction(program, {
          authority: coordinator,
          escrow: escrow.address,
          mint,
          payerToken: tokenAccountAddress(mint, escrow.payer),
        }),
      ];
    case "settle-partial":
      return [
        createTokenAccountInstruction(coordinator, payee(), mint),
        createTokenAccountInstruction(coordinator, escrow.payer, mint),
        await settlePartialInstruction(program, {
          ...base,
          mint,
          nodeToken: tokenAccountAddress(mint, payee()),
          treasuryToken: escrow.platform,
          payerToken: tokenAccountAddress(mint, escrow.payer),
          nodeShareBps: request.nodeShareBps,
          proofHash: request.proofHash,
        }),
      ];
  }
}
