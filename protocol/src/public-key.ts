/**
 * Clients and nodes are Solana wallets: their ids are base58 ed25519 public keys.
 * A key must decode to 32 bytes that are a point on the curve and not of small order,
 * which is what a wallet keypair's public key always is (program addresses are off the
 * curve and sign nothing).
 */
import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

export const PUBLIC_KEY_LENGTH = 32;

/** The key's bytes, or null when `text` is not a base58 wallet public key. */
export function decodePublicKey(text: string): Uint8Array | null {
  if (text.length < 32 || text.length > 44) return null;
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(text);
  } catch {
    return null;
  }
  if (bytes.length !== PUBLIC_KEY_LENGTH) return null;
  try {
    // Small-order points (the all-zero "system program" key among them) admit forged signatures.
    return ed25519.Point.fromHex(bytes, false).isSmallOrder() ? null : bytes;
  } catch {
    return null;
  }
}

export function isPublicKey(text: string): boolean {
  return decodePublicKey(text) !== null;
}

export function encodePublicKey(bytes: Uint8Array): string {
  return bs58.encode(bytes);
}
