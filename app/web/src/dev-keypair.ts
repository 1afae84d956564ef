/**
 * A dev keypair (a solana-keygen JSON file, localnet only) as a request signer, with
 * @noble/curves' ed25519. Only the wallet code (loaded with the client and job pages)
 * imports it, so the curve stays out of the dashboard's first load.
 */
import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

import type { MessageSigner } from "./signing";

export class KeypairFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeypairFileError";
  }
}

/**
 * A solana-keygen JSON file ([64 numbers]: seed ‖ public key), checked: 64 bytes, and the
 * second half is the public key of the first.
 */
export function parseKeypairJson(text: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeypairFileError("not JSON: a solana-keygen keypair file is a JSON array of 64 numbers");
  }
  if (!Array.isArray(parsed) || parsed.length !== 64 || !parsed.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    throw new KeypairFileError("a solana-keygen keypair file is a JSON array of 64 numbers from 0 to 255");
  }
  const secretKey = Uint8Array.from(parsed as number[]);
  const publicKey = ed25519.getPublicKey(secretKey.subarray(0, 32));
  if (!publicKey.every((byte, i) => byte === secretKey[32 + i])) {
    throw new KeypairFileError("the file's second half is not the public key of its first half: the keypair is corrupt");
  }
  return secretKey;
}

/** A dev keypair (64-byte secret key) as a signer. */
export function keypairSigner(secretKey: Uint8Array): MessageSigner {
  const seed = secretKey.slice(0, 32);
  const publicKey = bs58.encode(ed25519.getPublicKey(seed));
  return {
    publicKey,
    signMessage: async (message) => ed25519.sign(message, seed),
  };
}
