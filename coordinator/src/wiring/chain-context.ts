/**
 * The coordinator's view of the chain, built once at start-up: the RPC connection
 * (the SDK's one factory, so the whole process talks to config.rpcUrl), the
 * JobEscrow client, the marketplace config read from chain (its mint is what
 * submissions are checked against; it is never taken from local config, which could
 * disagree), and the coordinator's keypair, checked to be the one that config names.
 * A wrong key is refused here rather than discovered as a failed lock per job.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

import type { Connection, Keypair } from "@solana/web3.js";

import {
  ConfigNotInitializedError,
  createConnection,
  type JobEscrowProgram,
  jobEscrowProgram,
  KeypairFileError,
  type MarketConfig,
  readKeypairFile,
  requireConfig,
} from "@cyxwiz/sdk";
import type { CoordinatorConfig } from "../config";
import { ChainStartupError } from "./errors";

export interface ChainContext {
  readonly connection: Connection;
  readonly program: JobEscrowProgram;
  /** The marketplace config as the chain has it at start-up. */
  readonly market: MarketConfig;
  /** Signs every money action; equals `market.coordinator`. */
  readonly coordinator: Keypair;
}

const FIX_KEY =
  "set coordinatorKeypairPath (or CYXWIZ_COORDINATOR_KEYPAIR) to the solana-keygen JSON file of the config's coordinator key " +
  "(on the localnet: <CYXWIZ_LOCALNET_DIR or .localnet>/coordinator.json, written by `npm run migrate`)";

/** The coordinator keypair at `path`; a typed error naming the path and the fix otherwise. */
export function loadCoordinatorKeypair(path: string): Keypair {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ChainStartupError("COORDINATOR_KEY_MISSING", `coordinator keypair ${absolute} does not exist: ${FIX_KEY}.`);
  }
  try {
    return readKeypairFile(absolute);
  } catch (error) {
    const why = error instanceof KeypairFileError ? error.message : String(error);
    throw new ChainStartupError("COORDINATOR_KEY_INVALID", `coordinator keypair unusable (${why}): ${FIX_KEY}.`);
  }
}

async function readMarket(connection: Connection, program: JobEscrowProgram): Promise<MarketConfig> {
  try {
    return await requireConfig(program);
  } catch (error) {
    if (error instanceof ConfigNotInitializedError) {
      throw new ChainStartupError(
        "MARKET_NOT_INITIALIZED",
        `${error.message} on ${connection.rpcEndpoint}: run \`npm run migrate\` against it, or point rpcUrl at the cluster that has it.`,
      );
    }
    throw new ChainStartupError(
      "RPC_UNREACHABLE",
      `cannot read the JobEscrow config from ${connection.rpcEndpoint} (${(error as Error).message}): ` +
        "start the localnet or set rpcUrl / CYXWIZ_RPC_URL to a reachable cluster.",
    );
  }
}

/** Connects to config.rpcUrl and checks that this coordinator may act for the marketplace there. */
export async function connectChain(config: CoordinatorConfig): Promise<ChainContext> {
  // The key first: a missing file is the most common mistake and needs no network.
  const coordinator = loadCoordinatorKeypair(config.coordinatorKeypairPath);
  const connection = createConnection({ rpcUrl: config.rpcUrl });
  const program = jobEscrowProgram(connection);
  const market = await readMarket(connection, program);
  if (!market.coordinator.equals(coordinator.publicKey)) {
    throw new ChainStartupError(
      "COORDINATOR_KEY_MISMATCH",
      `coordinator keypair ${resolve(config.coordinatorKeypairPath)} is ${coordinator.publicKey.toBase58()}, ` +
        `but the JobEscrow config on ${connection.rpcEndpoint} names ${market.coordinator.toBase58()} as coordinator: ${FIX_KEY}, ` +
        "or have the admin hand the role over with update_config.",
    );
  }
  return { connection, program, market, coordinator };
}
