import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface ReclaimExpiredParams {
  /** Anyone; pays the fee, receives nothing. */
  caller: PublicKey;
  escrow: PublicKey;
  mint: PublicKey;
  payerToken: PublicKey;
}

/** Anyone, after `expires_at`: everything back to the payer → Expired. Needs no config. */
export function reclaimExpiredInstruction(program: JobEscrowProgram, p: ReclaimExpiredParams): Promise<TransactionInstruction> {
  return program.methods
    .reclaimExpired()
    .accountsStrict({
      caller: p.caller,
      escrow: p.escrow,
      vault: vaultAddress(p.escrow, program.programId),
      mint: p.mint,
      payerToken: p.payerToken,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
}
