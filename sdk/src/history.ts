/** Reading what happened to an escrow from the chain's transaction history. */
import type { Connection, Finality, PublicKey, TransactionError } from "@solana/web3.js";

import { type EscrowEvent, parseEvents } from "./events";

export interface EscrowHistoryEntry {
  signature: string;
  slot: number;
  blockTime: number | null;
  /** Set when the transaction failed; a failed transaction emits no events. */
  err: TransactionError | null;
  /** The events of this transaction that concern the escrow. */
  events: EscrowEvent[];
}

export class TransactionNotFoundError extends Error {
  constructor(readonly signature: string) {
    super(`transaction ${signature} not found`);
    this.name = "TransactionNotFoundError";
  }
}

/** The logs of a confirmed transaction. */
export async function transactionLogs(connection: Connection, signature: string, commitment: Finality = "confirmed"): Promise<string[]> {
  const transaction = await connection.getTransaction(signature, { commitment, maxSupportedTransactionVersion: 0 });
  if (transaction === null) throw new TransactionNotFoundError(signature);
  return transaction.meta?.logMessages ?? [];
}

/** The JobEscrow events of a confirmed transaction. */
export async function transactionEvents(
  connection: Connection,
  signature: string,
  commitment: Finality = "confirmed",
): Promise<EscrowEvent[]> {
  return parseEvents(await transactionLogs(connection, signature, commitment));
}

function concerns(event: EscrowEvent, escrow: PublicKey): boolean {
  return "escrow" in event.data && event.data.escrow.equals(escrow);
}

/**
 * Every transaction that touched `escrow`, oldest first, with the events it
 * emitted for it. Works after the escrow is closed: history is indexed by address.
 */
export async function getEscrowHistory(
  connection: Connection,
  escrow: PublicKey,
  options: { limit?: number; commitment?: Finality } = {},
): Promise<EscrowHistoryEntry[]> {
  const commitment = options.commitment ?? "confirmed";
  const signatures = await connection.getSignaturesForAddress(escrow, { limit: options.limit }, commitment);
  const entries: EscrowHistoryEntry[] = [];
  // getSignaturesForAddress lists newest first.
  for (const info of [...signatures].reverse()) {
    const transaction = await connection.getTransaction(info.signature, {
      commitment,
      maxSupportedTransactionVersion: 0,
    });
    if (transaction === null) throw new TransactionNotFoundError(info.signature);
    const events = parseEvents(transaction.meta?.logMessages ?? []).filter((event) => concerns(event, escrow));
    entries.push({
      signature: info.signature,
      slot: transaction.slot,
      blockTime: transaction.blockTime ?? null,
      err: transaction.meta?.err ?? null,
      events,
    });
  }
  return entries;
}
