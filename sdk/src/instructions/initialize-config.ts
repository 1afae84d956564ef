import { type PublicKey, SystemProgram, type TransactionInstruction } from "@solana/web3.js";

import type { ConfigParams } from "../config-account";
import { i64, u64 } from "../encoding";
import { configAddress } from "../pda";
import type { JobEscrowProgram } from "../program";

export interface InitializeConfigParams {
  /** Becomes the config admin; signs and pays for the account. */
  admin: PublicKey;
  mint: PublicKey;
  /** Token account of `mint` that receives the platform fee. */
  treasury: PublicKey;
  coordinator: PublicKey;
  arbiter: PublicKey;
  params: ConfigParams;
}

export function encodeConfigParams(params: ConfigParams) {
  return {
    feeBps: params.feeBps,
    minEscrowAmount: u64(params.minEscrowAmount),
    minLifetimeSecs: i64(params.minLifetimeSecs),
    maxLifetimeSecs: i64(params.maxLifetimeSecs),
    disputeWindowSecs: i64(params.disputeWindowSecs),
  };
}

/** Admin: create the marketplace config. First come, first served: check the recorded admin. */
export function initializeConfigInstruction(program: JobEscrowProgram, p: InitializeConfigParams): Promise<TransactionInstruction> {
  return program.methods
    .initializeConfig({ coordinator: p.coordinator, arbiter: p.arbiter, params: encodeConfigParams(p.params) })
    .accountsStrict({
      admin: p.admin,
      config: configAddress(program.programId),
      mint: p.mint,
      treasury: p.treasury,
      systemProgram: SystemProgram.programId,
    })
    .instruction();
}
