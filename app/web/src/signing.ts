/**
 * Signed requests in the browser: the canonical message of
 * protocol/src/signed-request.ts, built with WebCrypto (SHA-256 of the body) and
 * signed by whatever holds the wallet's key: a browser wallet's `signMessage` (Phantom,
 * Solflare, … sign the raw bytes with ed25519) or, in dev-keypair mode, @noble/curves
 * (dev-keypair.ts, kept out of the first load with the rest of the wallet code).
 *
 *   cyxwiz-v1\n{METHOD}\n{path with query}\n{sha256 hex of body}\n{timestamp ms}\n{nonce}
 *
 * Runs unchanged in Node ≥ 20 (globalThis.crypto), which is how the test checks it
 * against the coordinator's verifyRequest.
 */
import bs58 from "bs58";

export const SIGNATURE_SCHEME = "cyxwiz-v1";
export const NONCE_BYTES = 16;

/** Whatever can sign for a wallet: its base58 public key and an ed25519 signature over raw bytes. */
export interface MessageSigner {
  readonly publicKey: string;
  signMessage(message: Uint8Array): Promise<Uint8Array>;
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
