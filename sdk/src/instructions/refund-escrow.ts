import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface RefundEscrowParams {
  /** The coordinator (Created or Locked) or the payer (Created only). */
  authority: PublicKey;
  escrow: PublicKey;
  mint: PublicKey;
  /** A token account owned by the escrow's payer. */
  payerToken: PublicKey;
}

/** Everything back to the payer → Refunded. */
export function refundEscrowInstruction(program: JobEscrowProgram, p: RefundEscrowParams): Promise<TransactionInstruction> {
  return program.methods
    .refundEscrow()
    .accountsStrict({
      authority: p.authority,
      config: configAddress(program.programId),
      escrow: p.escrow,
      vault: vaultAddress(p.escrow, program.programId),
      mint: p.mint,
      payerToken: p.payerToken,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
}
