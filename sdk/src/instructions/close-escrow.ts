import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface CloseEscrowParams {
  /** The payer or the coordinator. */
  authority: PublicKey;
  escrow: PublicKey;
  /** The escrow's payer wallet: receives the rent of the escrow and its vault. */
  payer: PublicKey;
  mint: PublicKey;
  /** Receives tokens sent to the vault after settlement, if any. */
  payerToken: PublicKey;
}

/** Payer or coordinator, after a final status: close the escrow and its vault. */
export function closeEscrowInstruction(program: JobEscrowProgram, p: CloseEscrowParams): Promise<TransactionInstruction> {
  return program.methods
    .closeEscrow()
    .accountsStrict({
      authority: p.authority,
      config: configAddress(program.programId),
      payer: p.payer,
      escrow: p.escrow,
      vault: vaultAddress(p.escrow, program.programId),
      mint: p.mint,
      payerToken: p.payerToken,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
}
