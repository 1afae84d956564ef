import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface ResolveDisputeParams {
  arbiter: PublicKey;
  escrow: PublicKey;
  mint: PublicKey;
  nodeToken: PublicKey;
  treasuryToken: PublicKey;
  payerToken: PublicKey;
  /** The node's share of the amount by the arbiter's ruling, 0..=10 000. */
  nodeShareBps: number;
}

/** Arbiter: split a disputed escrow between node and payer. */
export function resolveDisputeInstruction(program: JobEscrowProgram, p: ResolveDisputeParams): Promise<TransactionInstruction> {
  return program.methods
    .resolveDispute(p.nodeShareBps)
    .accountsStrict({
      arbiter: p.arbiter,
      config: configAddress(program.programId),
      escrow: p.escrow,
      vault: vaultAddress(p.escrow, program.programId),
      mint: p.mint,
      nodeToken: p.nodeToken,
      treasuryToken: p.treasuryToken,
      payerToken: p.payerToken,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
}
