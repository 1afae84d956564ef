/**
 * Signed requests in the browser: the canonical message of
 * coordinator/src/auth/signed-request.ts, built with WebCrypto (SHA-256 of the body) and
 * signed by whatever holds the wallet's key: a browser wallet's `signMessage` (Phantom,
 * Solflare, … sign the raw bytes with ed25519) or, in dev-keypair mode, @noble/curves.
 *
 *   cyxwiz-v1\n{METHOD}\n{path with query}\n{sha256 hex of body}\n{timestamp ms}\n{nonce}
 *
 * Runs unchanged in Node ≥ 20 (globalThis.crypto), which is how the test checks it
 * against the coordinator's verifyRequest.
 */
import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

export const SIGNATURE_SCHEME = "cyxwiz-v1";
export const NONCE_BYTES = 16;

/** Whatever can sign for a wallet: its base58 public key and an ed25519 signature over raw bytes. */
export interface MessageSigner {
  readonly publicKey: string;
  signMessage(message: Uint8Array): Promise<Uint8Array>;
}

export class KeypairFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeypairFileError";
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return hex(new Uint8Array(digest));
}

export function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  return hex(buffer);
}

/** The exact bytes the coordinator verifies. */
export async function canonicalMessage(method: string, path: string, body: string, timestamp: string, nonce: string): Promise<Uint8Array> {
  if (!/^[A-Za-z]{1,16}$/.test(method)) throw new Error(`${JSON.stringify(method)} is not an HTTP method`);
  if (!path.startsWith("/") || /[\n\r]/.test(path)) throw new Error(`path ${JSON.stringify(path)} must start with / and be one line`);
  const text = [SIGNATURE_SCHEME, method.toUpperCase(), path, await sha256Hex(body), timestamp, nonce].join("\n");
  return new TextEncoder().encode(text);
}

/** The four x-cyxwiz-* headers of one request. */
export async function signedHeaders(
  signer: MessageSigner,
  method: string,
  path: string,
  body: string,
  options: { now?: number; nonce?: string } = {},
): Promise<Record<string, string>> {
  const timestamp = String(options.now ?? Date.now());
  const nonce = options.nonce ?? randomHex(NONCE_BYTES);
  const signature = await signer.signMessage(await canonicalMessage(method, path, body, timestamp, nonce));
  if (signature.length !== 64) throw new Error(`the wallet returned a ${signature.length}-byte signature; ed25519 signatures have 64`);
  return {
    "x-cyxwiz-key": signer.publicKey,
    "x-cyxwiz-timestamp": timestamp,
    "x-cyxwiz-nonce": nonce,
    "x-cyxwiz-signature": bs58.encode(signature),
  };
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
