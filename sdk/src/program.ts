/** The typed Anchor client of JobEscrow. */
import { Program } from "@coral-xyz/anchor";
import { convertIdlToCamelCase } from "@coral-xyz/anchor/dist/cjs/idl";
import { type Connection, PublicKey } from "@solana/web3.js";

import { IDL, type JobEscrow } from "./idl/job_escrow";

export const JOB_ESCROW_PROGRAM_ID = new PublicKey(IDL.address);

export type JobEscrowProgram = Program<JobEscrow>;

/**
 * The IDL as `Program` sees it at run time (camelCase names). Coders built from it
 * decode to exactly the shapes of the `JobEscrow` type.
 */
export const CAMEL_CASE_IDL: JobEscrow = convertIdlToCamelCase(IDL) as JobEscrow;

/**
 * A JobEscrow client on `connection`. It builds instructions, decodes accounts and
 * listens to events; it never signs: transactions are sent with explicit signers
 * (see `sendInstructions`), so no wallet is attached.
 */
export function jobEscrowProgram(connection: Connection): JobEscrowProgram {
  return new Program<JobEscrow>(IDL as JobEscrow, { connection });
}
