/**
 * Reading a JobEscrow account the coordinator did not create: the raw account
 * first (so owner and discriminator can be judged before anything is decoded),
 * then the SDK's decoded view. One place, shared by the submission check and the
 * settlement's reconciliation.
 */
import type { AccountInfo, Connection, PublicKey } from "@solana/web3.js";

import { chainUnixTime, decodeEscrow, type Escrow, IDL, type JobEscrowProgram } from "@cyxwiz/sdk";

type RawEscrow = Parameters<typeof decodeEscrow>[1];

/** The 8 bytes Anchor puts in front of every JobEscrow account, from the IDL. */
const JOB_ESCROW_DISCRIMINATOR: Buffer = (() => {
  const discriminator = IDL.accounts?.find((account) => account.name === "JobEscrow")?.discriminator;
  if (discriminator === undefined) throw new Error("the JobEscrow IDL has no JobEscrow account");
  return Buffer.from(discriminator);
})();

/** The account at `address` and the chain's clock (Clock sysvar), never the local clock. */
export interface EscrowSnapshot {
  account: AccountInfo<Buffer> | null;
  /** Unix seconds by the cluster's Clock sysvar. */
  chainNow: number;
}

export async function readEscrowSnapshot(connection: Connection, address: PublicKey): Promise<EscrowSnapshot> {
  const [account, chainNow] = await Promise.all([connection.getAccountInfo(address), chainUnixTime(connection)]);
  return { account, chainNow };
}

/** Whether `data` starts with the JobEscrow account discriminator. */
export function isJobEscrowData(data: Buffer): boolean {
  const size = JOB_ESCROW_DISCRIMINATOR.length;
  return data.length >= size && data.subarray(0, size).equals(JOB_ESCROW_DISCRIMINATOR);
}

/**
 * The escrow in `account`, or null when it is not a JobEscrow of `program`
 * (another owner, another account type, or bytes that do not decode).
 */
export function decodeJobEscrow(program: JobEscrowProgram, address: PublicKey, account: AccountInfo<Buffer> | null): Escrow | null {
  if (account === null || !account.owner.equals(program.programId) || !isJobEscrowData(account.data)) {
    return null;
  }
  try {
    return decodeEscrow(address, program.coder.accounts.decode<RawEscrow>("jobEscrow", account.data));
  } catch {
    return null;
  }
}

/** The JobEscrow at `address`, or null when there is none (never created, closed, or not an escrow). */
export async function fetchJobEscrow(connection: Connection, program: JobEscrowProgram, address: PublicKey): Promise<Escrow | null> {
  return decodeJobEscrow(program, address, await connection.getAccountInfo(address));
}
