/** Program-derived addresses of JobEscrow (seeds as in programs/job-escrow/src/state/seeds.rs). */
import { PublicKey } from "@solana/web3.js";

import type { JobId } from "./job-id";
import { JOB_ESCROW_PROGRAM_ID } from "./program";

export const CONFIG_SEED = Buffer.from("config");
export const ESCROW_SEED = Buffer.from("escrow");
export const VAULT_SEED = Buffer.from("vault");

/** `["config"]`: the single marketplace config. */
export function configAddress(programId: PublicKey = JOB_ESCROW_PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([CONFIG_SEED], programId)[0];
}

/** `["escrow", payer, job_id]`: one escrow per payer and job. */
export function escrowAddress(payer: PublicKey, jobId: JobId, programId: PublicKey = JOB_ESCROW_PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([ESCROW_SEED, payer.toBuffer(), Buffer.from(jobId)], programId)[0];
}

/** `["vault", escrow]`: the token account holding an escrow's funds. */
export function vaultAddress(escrow: PublicKey, programId: PublicKey = JOB_ESCROW_PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([VAULT_SEED, escrow.toBuffer()], programId)[0];
}
