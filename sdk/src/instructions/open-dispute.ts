import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import { configAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface OpenDisputeParams {
  /** The payer or the node the escrow is locked to. */
  party: PublicKey;
  escrow: PublicKey;
}

/** Payer or locked node: freeze the escrow for the arbiter: Locked → Disputed. */
export function openDisputeInstruction(program: JobEscrowProgram, p: OpenDisputeParams): Promise<TransactionInstruction> {
  return program.methods
    .openDispute()
    .accountsStrict({ party: p.party, config: configAddress(program.programId), escrow: p.escrow })
    .instruction();
}
