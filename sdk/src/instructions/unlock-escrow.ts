import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface UnlockEscrowParams {
  coordinator: PublicKey;
  escrow: PublicKey;
}

/** Coordinator: the node vanished, take the job back: Locked → Created, attempt + 1. */
export function unlockEscrowInstruction(program: JobEscrowProgram, p: UnlockEscrowParams): Promise<TransactionInstruction> {
  return program.methods
    .unlockEscrow()
    .accountsStrict({ coordinator: p.coordinator, config: configAddress(program.programId), escrow: p.escrow })
    .instruction();
}
