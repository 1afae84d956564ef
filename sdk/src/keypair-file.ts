/** Keypairs stored as solana-keygen writes them: a JSON array of the 64 secret-key bytes. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import { Keypair } from "@solana/web3.js";

export class KeypairFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "KeypairFileError";
  }
}

export function readKeypairFile(path: string): Keypair {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new KeypairFileError(path, `not readable as JSON (${(error as Error).message})`);
  }
  const isByteArray =
    Array.isArray(parsed) && parsed.length === 64 && parsed.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255);
  if (!isByteArray) throw new KeypairFileError(path, "expected a JSON array of 64 bytes (solana-keygen format)");
  return Keypair.fromSecretKey(Uint8Array.from(parsed as number[]));
}

/** Writes the key readable by its owner only, as solana-keygen does. */
export function writeKeypairFile(path: string, keypair: Keypair): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(Array.from(keypair.secretKey)), { mode: 0o600 });
}

/** The keypair at `path`, generated and saved first if the file does not exist. */
export function loadOrCreateKeypair(path: string): { keypair: Keypair; created: boolean } {
  if (existsSync(path)) return { keypair: readKeypairFile(path), created: false };
  const keypair = Keypair.generate();
  writeKeypairFile(path, keypair);
  return { keypair, created: true };
}
