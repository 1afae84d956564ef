import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface LockEscrowParams {
  coordinator: PublicKey;
  escrow: PublicKey;
  /** The node wallet the job is assigned to (not its token account). */
  node: PublicKey;
}

/** Coordinator: assign the job to a node: Created → Locked. */
export function lockEscrowInstruction(program: JobEscrowProgram, p: LockEscrowParams): Promise<TransactionInstruction> {
  return program.methods
    .lockEscrow(p.node)
    .accountsStrict({ coordinator: p.coordinator, config: configAddress(program.programId), escrow: p.escrow })
    .instruction();
}
