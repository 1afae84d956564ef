/**
 * The agent's IPFS: the protocol's kubo client (protocol/src/ipfs), the one the
 * coordinator uses too, so a node adds its files exactly as the coordinator expects them
 * (CIDv1, raw leaves) and reads under the same limits and error codes.
 */
import { createHash } from "node:crypto";

import { type AddOptions, IpfsError, type IpfsReader, KuboIpfs, readBytes } from "@cyxwiz/protocol/ipfs";

/** What the agent needs of IPFS; KuboIpfs is one, tests give an in-memory one. */
export interface AgentIpfs extends IpfsReader {
  add(bytes: Uint8Array, options?: AddOptions): Promise<string>;
}

export function kuboIpfs(apiUrl: string): AgentIpfs {
  return new KuboIpfs(apiUrl);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** IPFS failures worth another try: the daemon down or slow, not the content missing. */
export function isTransientIpfsError(error: unknown): boolean {
  return error instanceof IpfsError && (error.code === "IPFS_UNAVAILABLE" || error.code === "IPFS_TIMEOUT");
}

/** The bytes under `cid`, at most `maxBytes`, within `timeoutMs`; an abort of `signal` ends it at once. */
export async function fetchBytes(
  ipfs: AgentIpfs,
  cid: string,
  limits: { maxBytes: number; timeoutMs: number },
  signal: AbortSignal,
): Promise<Uint8Array> {
  signal.throwIfAborted();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([readBytes(ipfs, cid, limits), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
