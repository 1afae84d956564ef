/**
 * The one way the project opens a Solana RPC client. Everything else receives a
 * `Connection` made here, so pointing the whole project at devnet or at the
 * localnet is a matter of one URL.
 */
import { type Commitment, Connection } from "@solana/web3.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8899";
export const RPC_URL_ENV = "CYXWIZ_RPC_URL";

export interface ConnectionOptions {
  /** JSON-RPC endpoint; defaults to $CYXWIZ_RPC_URL, then the localnet. */
  rpcUrl?: string;
  /** Default commitment for reads and confirmations. */
  commitment?: Commitment;
}

export function resolveRpcUrl(rpcUrl?: string): string {
  const fromEnv = process.env[RPC_URL_ENV];
  if (rpcUrl !== undefined && rpcUrl !== "") return rpcUrl;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return DEFAULT_RPC_URL;
}

/** The PubSub endpoint of an RPC endpoint by the validator convention: same host, port + 1. */
export function pubsubUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (url.port !== "") url.port = String(Number(url.port) + 1);
  return url.toString();
}

export function createConnection(options: ConnectionOptions = {}): Connection {
  const rpcUrl = resolveRpcUrl(options.rpcUrl);
  return new Connection(rpcUrl, {
    commitment: options.commitment ?? "confirmed",
    wsEndpoint: pubsubUrl(rpcUrl),
  });
}
