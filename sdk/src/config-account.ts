/** The marketplace Config account, decoded. */
import type { PublicKey } from "@solana/web3.js";

import { configAddress } from "./pda";
import type { JobEscrowProgram } from "./program";

/** The tunable part of the config (`ConfigParams` in the program). */
export interface ConfigParams {
  feeBps: number;
  minEscrowAmount: bigint;
  minLifetimeSecs: number;
  maxLifetimeSecs: number;
  disputeWindowSecs: number;
}

const DAY_SECS = 24 * 60 * 60;

/** 90/10, any amount of at least one base unit, lifetimes 60 s..30 days, a week to arbitrate. */
export const DEFAULT_CONFIG_PARAMS: ConfigParams = {
  feeBps: 1_000,
  minEscrowAmount: 1n,
  minLifetimeSecs: 60,
  maxLifetimeSecs: 30 * DAY_SECS,
  disputeWindowSecs: 7 * DAY_SECS,
};

export interface MarketConfig extends ConfigParams {
  address: PublicKey;
  admin: PublicKey;
  coordinator: PublicKey;
  arbiter: PublicKey;
  /** Token account receiving the platform fee. */
  treasury: PublicKey;
  /** The accepted payment mint (CYXWIZ). */
  mint: PublicKey;
  paused: boolean;
}

export class ConfigNotInitializedError extends Error {
  constructor(readonly address: PublicKey) {
    super(`JobEscrow config ${address.toBase58()} does not exist: run initialize_config (npm run migrate)`);
    this.name = "ConfigNotInitializedError";
  }
}

/** The config, or null before `initialize_config`. */
export async function fetchConfig(program: JobEscrowProgram): Promise<MarketConfig | null> {
  const address = configAddress(program.programId);
  const raw = await program.account.config.fetchNullable(address);
  if (raw === null) return null;
  return {
    address,
    admin: raw.admin,
    coordinator: raw.coordinator,
    arbiter: raw.arbiter,
    treasury: raw.treasury,
    mint: raw.mint,
    feeBps: raw.feeBps,
    minEscrowAmount: BigInt(raw.minEscrowAmount.toString()),
    minLifetimeSecs: raw.minLifetimeSecs.toNumber(),
    maxLifetimeSecs: raw.maxLifetimeSecs.toNumber(),
    disputeWindowSecs: raw.disputeWindowSecs.toNumber(),
    paused: raw.paused,
  };
}

/** The config; throws `ConfigNotInitializedError` before `initialize_config`. */
export async function requireConfig(program: JobEscrowProgram): Promise<MarketConfig> {
  const config = await fetchConfig(program);
  if (config === null) throw new ConfigNotInitializedError(configAddress(program.programId));
  return config;
}
