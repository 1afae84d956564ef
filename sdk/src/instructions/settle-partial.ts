import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress, vaultAddress } from "../pda";
import type { JobEscrowProgram } from "../program";
import { type ProofHash, proofHashBytes } from "../proof";

export interface SettlePartialParams {
  coordinator: PublicKey;
  escrow: PublicKey;
  mint: PublicKey;
  nodeToken: PublicKey;
  treasuryToken: PublicKey;
  payerToken: PublicKey;
  /** The verified share of the work, 0..=10 000. */
  nodeShareBps: number;
  proofHash: ProofHash;
}

/** Coordinator, on timeout: the node is paid its share less the fee on it, the rest goes back to the payer. */
export function settlePartialInstruction(program: JobEscrowProgram, p: SettlePartialParams): Promise<TransactionInstruction> {
  return program.methods
    .settlePartial(p.nodeShareBps, proofHashBytes(p.proofHash))
    .accountsStrict({
      coordinator: p.coordinator,
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
