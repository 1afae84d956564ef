/** SOL from the cluster's faucet (localnet, devnet): `requestAirdrop`, confirmed. */
import { type Connection, LAMPORTS_PER_SOL, type PublicKey } from "@solana/web3.js";

import { TransactionFailedError } from "./errors";

export async function airdrop(connection: Connection, to: PublicKey, lamports: number): Promise<string> {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
  const signature = await connection.requestAirdrop(to, lamports);
  const { value } = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight });
  if (value.err !== null) throw new TransactionFailedError(signature, value.err);
  return signature;
}

/** Airdrops up to `target` lamports when the balance is below `minimum`; returns the lamports added. */
export async function topUp(connection: Connection, to: PublicKey, minimum: number, target: number = minimum): Promise<number> {
  const balance = await connection.getBalance(to);
  if (balance >= minimum) return 0;
  const missing = target - balance;
  await airdrop(connection, to, missing);
  return missing;
}

export function sol(amount: number): number {
  return Math.round(amount * LAMPORTS_PER_SOL);
}
