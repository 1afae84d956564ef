/**
 * The transaction side of exactly-once: sign once, send the same bytes as often as
 * needed, and tell "landed", "landed and failed", "may still land" and "can never
 * land" apart by polling (no websockets: a poll after a restart sees exactly what a
 * subscription would have missed).
 */
import { type Connection, type Signer, Transaction, type TransactionError, type TransactionInstruction } from "@solana/web3.js";
import bs58 from "bs58";

import { decodeProgramError, TransactionFailedError } from "@cyxwiz/sdk";
import type { SignedTransaction } from "./intent-store";

/** Sends wire bytes; the confirmation is polled separately. Injected in tests to drop or crash. */
export type SendTransaction = (wire: Buffer) => Promise<void>;

/**
 * The RPC send: no preflight, so a duplicate of a landed transaction is simply
 * dropped instead of failing the simulation, and no RPC-side retries, since the
 * settlement re-sends on its own schedule.
 */
export function rpcSend(connection: Connection): SendTransaction {
  return async (wire) => {
    await connection.sendRawTransaction(wire, { skipPreflight: true, maxRetries: 0 });
  };
}

/** Signs `instructions` with `signer` (also the fee payer) on the latest blockhash. */
export async function signTransaction(
  connection: Connection,
  signer: Signer,
  instructions: readonly TransactionInstruction[],
): Promise<SignedTransaction> {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
  const transaction = new Transaction({ feePayer: signer.publicKey, blockhash, lastValidBlockHeight });
  transaction.add(...instructions);
  transaction.sign(signer);
  if (transaction.signature === null) throw new Error("signing produced no signature");
  return {
    tx: transaction.serialize().toString("base64"),
    signature: bs58.encode(transaction.signature),
    blockhash,
    lastValidBlockHeight,
  };
}

export type Landing =
  | { kind: "landed" }
  | { kind: "failed"; programError: string; err: TransactionError }
  /** Not landed (or not yet confirmed), and its blockhash may still be accepted. */
  | { kind: "pending" }
  /** Not landed, and the cluster is past its lastValidBlockHeight: it never will. */
  | { kind: "expired" };

/**
 * Where `signature` stands. The block height is read BEFORE the status: if the
 * height is already past `lastValidBlockHeight`, a status read afterwards that
 * finds nothing is final. The height is the finalized one, so no fork can still
 * carry the transaction when it is declared expired.
 */
export async function checkLanding(connection: Connection, signature: string, lastValidBlockHeight: number): Promise<Landing> {
  const height = await connection.getBlockHeight("finalized");
  const { value } = await connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
  const status = value[0];
  if (status !== null && status !== undefined) {
    const settled = status.confirmationStatus === "confirmed" || status.confirmationStatus === "finalized";
    if (!settled) return { kind: "pending" };
    if (status.err === null) return { kind: "landed" };
    return { kind: "failed", err: status.err, programError: await programErrorOf(connection, signature, status.err) };
  }
  return height > lastValidBlockHeight ? { kind: "expired" } : { kind: "pending" };
}

/** The JobEscrow/Anchor error name of a landed failure, or the raw error when it is not one. */
async function programErrorOf(connection: Connection, signature: string, err: TransactionError): Promise<string> {
  const landed = await connection.getTransaction(signature, {
    commitment: "confirmed",
    maxSupportedTransactionVersion: 0,
  });
  const decoded = decodeProgramError(new TransactionFailedError(signature, err, landed?.meta?.logMessages ?? []));
  return decoded?.name ?? JSON.stringify(err);
}
