/** Proof hashes: sha256 of the verified result (the trained weights), 32 bytes on chain. */
import { createHash } from "node:crypto";

export type ProofHash = Uint8Array;

export class InvalidProofHashError extends Error {
  constructor(reason: string) {
    super(`invalid proof hash: ${reason}`);
    this.name = "InvalidProofHashError";
  }
}

export function proofHashOf(result: Uint8Array | string): ProofHash {
  return new Uint8Array(createHash("sha256").update(result).digest());
}

/** The form Anchor's coder takes for a `[u8; 32]` argument. */
export function proofHashBytes(proofHash: ProofHash): number[] {
  if (proofHash.length !== 32) throw new InvalidProofHashError(`expected 32 bytes, got ${proofHash.length}`);
  return Array.from(proofHash);
}
