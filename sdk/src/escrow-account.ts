/** JobEscrow accounts, decoded by Anchor's coder into readable values. */
import type { IdlAccounts } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";

import type { JobEscrow } from "./idl/job_escrow";
import type { JobId } from "./job-id";
import { vaultAddress } from "./pda";
import type { JobEscrowProgram } from "./program";

export const ESCROW_STATUSES = ["Created", "Locked", "Released", "Refunded", "Disputed", "Expired"] as const;
export type EscrowStatusName = (typeof ESCROW_STATUSES)[number];

/** Released, Refunded and Expired are final: only `close_escrow` can follow. */
export function isFinalStatus(status: EscrowStatusName): boolean {
  return status === "Released" || status === "Refunded" || status === "Expired";
}

type RawEscrow = IdlAccounts<JobEscrow>["jobEscrow"];
export type RawEscrowStatus = RawEscrow["status"];

export class UnknownEscrowStatusError extends Error {
  constructor(readonly variant: string) {
    super(`unknown escrow status variant ${variant}`);
    this.name = "UnknownEscrowStatusError";
  }
}

/** Anchor decodes enums as `{ locked: {} }`; this is `"Locked"`. */
export function escrowStatusName(status: RawEscrowStatus): EscrowStatusName {
  const variant = Object.keys(status)[0] ?? "";
  const name = ESCROW_STATUSES.find((candidate) => candidate.toLowerCase() === variant.toLowerCase());
  if (name === undefined) throw new UnknownEscrowStatusError(variant);
  return name;
}

export interface Escrow {
  address: PublicKey;
  vault: PublicKey;
  jobId: JobId;
  payer: PublicKey;
  /** The node wallet the escrow is locked to; null while unassigned. */
  payee: PublicKey | null;
  /** The treasury token account recorded at creation. */
  platform: PublicKey;
  tokenMint: PublicKey;
  amount: bigint;
  feeBps: number;
  status: EscrowStatusName;
  createdAt: number;
  lockedAt: number;
  expiresAt: number;
  settledAt: number;
  attempt: number;
  proofHash: Uint8Array;
  nodePaid: bigint;
  platformPaid: bigint;
  refunded: bigint;
}

export function decodeEscrow(address: PublicKey, raw: RawEscrow): Escrow {
  return {
    address,
    vault: vaultAddress(address),
    jobId: new Uint8Array(raw.jobId),
    payer: raw.payer,
    payee: raw.payee.equals(PublicKey.default) ? null : raw.payee,
    platform: raw.platform,
    tokenMint: raw.tokenMint,
    amount: BigInt(raw.amount.toString()),
    feeBps: raw.feeBps,
    status: escrowStatusName(raw.status),
    createdAt: raw.createdAt.toNumber(),
    lockedAt: raw.lockedAt.toNumber(),
    expiresAt: raw.expiresAt.toNumber(),
    settledAt: raw.settledAt.toNumber(),
    attempt: raw.attempt,
    proofHash: new Uint8Array(raw.proofHash),
    nodePaid: BigInt(raw.nodePaid.toString()),
    platformPaid: BigInt(raw.platformPaid.toString()),
    refunded: BigInt(raw.refunded.toString()),
  };
}

/** The escrow at `address`, or null when there is none (never created, or closed). */
export async function fetchEscrow(program: JobEscrowProgram, address: PublicKey): Promise<Escrow | null> {
  const raw = await program.account.jobEscrow.fetchNullable(address);
  return raw === null ? null : decodeEscrow(address, raw);
}
