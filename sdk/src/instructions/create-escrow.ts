import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { type PublicKey, SystemProgram, type TransactionInstruction } from "@solana/web3.js";

import { i64, u64 } from "../encoding";
import { type JobId, jobIdBytes } from "../job-id";
import { configAddress, escrowAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";
import type { Amount } from "../split";

export interface CreateEscrowParams {
  /** Funds the job and signs; pays the rent of the escrow and its vault. */
  payer: PublicKey;
  /** The payer's token account of `mint`, debited by `amount`. */
  payerToken: PublicKey;
  mint: PublicKey;
  jobId: JobId;
  amount: Amount;
  /** Unix seconds; must lie within the config's lifetime bounds from the chain's now. */
  expiresAt: number;
}

/** Payer: move `amount` into a new escrow's vault → Created. */
export function createEscrowInstruction(program: JobEscrowProgram, p: CreateEscrowParams): Promise<TransactionInstruction> {
  const escrow = escrowAddress(p.payer, p.jobId, program.programId);
  return program.methods
    .createEscrow(jobIdBytes(p.jobId), u64(p.amount), i64(p.expiresAt))
    .accountsStrict({
      payer: p.payer,
      config: configAddress(program.programId),
      mint: p.mint,
      payerToken: p.payerToken,
      escrow,
      vault: vaultAddress(escrow, program.programId),
      tokenProgram: TOKEN_PROGRAM_ID,
      systemProgram: SystemProgram.programId,
    })
    .instruction();
}
