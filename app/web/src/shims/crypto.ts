/**
 * The part of node:crypto the SDK's shared modules use (`createHash("sha256")` in
 * sdk/src/job-id.ts and sdk/src/proof.ts), for the browser bundle: synchronous SHA-256
 * from @noble/hashes. Anything else throws, so an unexpected use is seen at once.
 */
import { sha256 } from "@noble/hashes/sha2";

class Sha256 {
  private readonly hash = sha256.create();

  update(data: Uint8Array | string, encoding?: string): this {
    if (typeof data === "string" && encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8") {
      throw new Error(`crypto shim: encoding ${encoding} is not supported`);
    }
    this.hash.update(typeof data === "string" ? new TextEncoder().encode(data) : data);
    return this;
  }

  digest(encoding?: "hex"): Uint8Array | string {
    const bytes = this.hash.digest();
    if (encoding === "hex") return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    if (encoding !== undefined) throw new Error(`crypto shim: digest encoding ${encoding} is not supported`);
    return bytes;
  }
}

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== "sha256") throw new Error(`crypto shim: only sha256, not ${algorithm}`);
  return new Sha256();
}

export function randomBytes(size: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

export default { createHash, randomBytes };
