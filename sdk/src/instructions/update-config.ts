import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

import type { ConfigParams } from "../config-account";
import { configAddress } from "../pda";
import type { JobEscrowProgram } from "../program";
import { encodeConfigParams } from "./initialize-config";

export interface UpdateConfigParams {
  admin: PublicKey;
  /** Each field given replaces the current value; the result is validated as a whole. */
  coordinator?: PublicKey;
  arbiter?: PublicKey;
  params?: ConfigParams;
  paused?: boolean;
  /** New fee destination (a token account of the accepted mint). */
  newTreasury?: PublicKey;
  /** Admin hand-over: the new admin must co-sign. */
  newAdmin?: PublicKey;
}

/** Admin: change keys, treasury, fee, lifetimes or the pause flag. */
export function updateConfigInstruction(program: JobEscrowProgram, p: UpdateConfigParams): Promise<TransactionInstruction> {
  return program.methods
    .updateConfig({
      coordinator: p.coordinator ?? null,
      arbiter: p.arbiter ?? null,
      params: p.params === undefined ? null : encodeConfigParams(p.params),
      paused: p.paused ?? null,
    })
    .accountsStrict({
      admin: p.admin,
      config: configAddress(program.programId),
      newTreasury: p.newTreasury ?? null,
      newAdmin: p.newAdmin ?? null,
    })
    .instruction();
}
