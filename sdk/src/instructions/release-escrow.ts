import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";
import { type ProofHash, proofHashBytes } from "../proof";

export interface ReleaseEscrowParams {
  coordinator: PublicKey;
  escrow: PublicKey;
  mint: PublicKey;
  /** A token account owned by the locked node. */
  nodeToken: PublicKey;
  /** The treasury token account recorded in the escrow. */
  treasuryToken: PublicKey;
  proofHash: ProofHash;
}

/** Coordinator, proof verified: node gets `amount - fee`, treasury the fee → Released. */
export function releaseEscrowInstruction(program: JobEscrowProgram, p: ReleaseEscrowParams): Promise<TransactionInstruction> {
  return program.methods
    .releaseEscrow(proofHashBytes(p.proofHash))
    .accountsStrict({
      coordinator: p.coordinator,
      config: configAddress(program.programId),
      escrow: p.escrow,
      vault: vaultAddress(p.escrow, program.programId),
      mint: p.mint,
      nodeToken: p.nodeToken,
      treasuryToken: p.treasuryToken,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
}
