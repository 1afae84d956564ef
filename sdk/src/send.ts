/**
 * Sending instructions with an explicit set of signers. The first signer pays the
 * fee: in JobEscrow every actor pays for its own transactions.
 */
import { type Commitment, type Connection, type Signer, Transaction, type TransactionInstruction } from "@solana/web3.js";

import { decodeProgramError, TransactionFailedError } from "./errors";

export interface SendOptions {
  /** Confirmation level to wait for; defaults to the connection's. */
  commitment?: Commitment;
  /** Defaults to the first signer. */
  feePayer?: Signer;
  /** Skip the RPC's simulation; a failing transaction then lands and costs its fee. */
  skipPreflight?: boolean;
}

export class NoSignerError extends Error {
  constructor() {
    super("a transaction needs at least one signer to pay its fee");
    this.name = "NoSignerError";
  }
}

function uniqueSigners(signers: readonly Signer[]): Signer[] {
  const seen = new Set<string>();
  return signers.filter((signer) => {
    const key = signer.publicKey.toBase58();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Sign, send and confirm `instructions`; returns the signature. A JobEscrow or
 * Anchor error is thrown as `EscrowProgramError` (preflight or landed), any other
 * failed transaction as `TransactionFailedError`.
 */
export async function sendInstructions(
  connection: Connection,
  instructions: readonly TransactionInstruction[],
  signers: readonly Signer[],
  options: SendOptions = {},
): Promise<string> {
  const feePayer = options.feePayer ?? signers[0];
  if (feePayer === undefined) throw new NoSignerError();
  const commitment = options.commitment ?? connection.commitment ?? "confirmed";
  try {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash(commitment);
    const transaction = new Transaction({ feePayer: feePayer.publicKey, blockhash, lastValidBlockHeight });
    transaction.add(...instructions);
    transaction.sign(...uniqueSigners([feePayer, ...signers]));
    const signature = await connection.sendRawTransaction(transaction.serialize(), {
      skipPreflight: options.skipPreflight ?? false,
      preflightCommitment: commitment,
    });
    const { value } = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, commitment);
    if (value.err !== null) {
      const landed = await connection.getTransaction(signature, {
        commitment: "confirmed",
        maxSupportedTransactionVersion: 0,
      });
      throw new TransactionFailedError(signature, value.err, landed?.meta?.logMessages ?? []);
    }
    return signature;
  } catch (error) {
    throw decodeProgramError(error) ?? error;
  }
}
