/**
 * Why the coordinator cannot start its chain side. Each message names what was
 * checked and the fix, because these are read by whoever runs the service, once,
 * at start-up.
 */
import { CoordinatorError } from "../domain/errors";

export type ChainStartupErrorCode =
  /** No JSON-RPC answered at config.rpcUrl. */
  | "RPC_UNREACHABLE"
  /** JobEscrow's config account does not exist on that cluster (migrate has not run). */
  | "MARKET_NOT_INITIALIZED"
  /** config.coordinatorKeypairPath does not exist. */
  | "COORDINATOR_KEY_MISSING"
  /** The file exists but is not a solana-keygen keypair. */
  | "COORDINATOR_KEY_INVALID"
  /** The keypair is not the coordinator the on-chain config names: every action would fail. */
  | "COORDINATOR_KEY_MISMATCH";

export class ChainStartupError extends CoordinatorError<ChainStartupErrorCode> {}
