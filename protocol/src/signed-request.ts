/**
 * Signed requests: every request that acts for a client or a node carries an ed25519
 * signature by that wallet over
 *
 *   cyxwiz-v1\n{METHOD}\n{path with query}\n{sha256 hex of body}\n{timestamp ms}\n{nonce}
 *
 * in four headers: x-cyxwiz-key (base58 public key), x-cyxwiz-timestamp (unix ms,
 * decimal), x-cyxwiz-nonce (16..64 random bytes, lowercase hex) and x-cyxwiz-signature
 * (base58, 64 bytes). Verification is strict RFC 8032 (no malleable signatures, no
 * small-order keys). This module checks the signature and the clock; refusing a nonce
 * seen before is the caller's (a Redis SET NX with the returned expiry): a nonce need
 * only be remembered until `nonceExpiresAt`, after which the timestamp check alone
 * refuses the request.
 */
import { createHash, createPublicKey, type KeyObject, randomBytes, verify as verifyWithNode } from "node:crypto";

import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

import { ProtocolError } from "./errors";
import { decodePublicKey, encodePublicKey } from "./public-key";

export const SIGNATURE_SCHEME = "cyxwiz-v1";

export const HEADER_KEY = "x-cyxwiz-key";
export const HEADER_TIMESTAMP = "x-cyxwiz-timestamp";
export const HEADER_NONCE = "x-cyxwiz-nonce";
export const HEADER_SIGNATURE = "x-cyxwiz-signature";
export const SIGNED_REQUEST_HEADERS = [HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE] as const;
export type SignedRequestHeader = (typeof SIGNED_REQUEST_HEADERS)[number];

export type SignedRequestHeaders = Readonly<Record<SignedRequestHeader, string>>;

export const NONCE_BYTES = 16;
const MAX_NONCE_BYTES = 64;
const NONCE_RE = new RegExp(`^(?:[0-9a-f]{2}){${NONCE_BYTES},${MAX_NONCE_BYTES}}$`);
const TIMESTAMP_RE = /^(?:0|[1-9][0-9]{0,15})$/;
const METHOD_RE = /^[A-Za-z]{1,16}$/;
const SIGNATURE_BYTES = 64;

export type AuthErrorCode =
  | "MISSING_HEADER"
  | "DUPLICATE_HEADER"
  | "BAD_KEY"
  | "MALFORMED_TIMESTAMP"
  | "STALE_TIMESTAMP"
  | "FUTURE_TIMESTAMP"
  | "MALFORMED_NONCE"
  | "MALFORMED_SIGNATURE"
  | "BAD_SIGNATURE"
  | "INVALID_REQUEST";

/** Every AuthError is a 401; `code` says why, `header` which header, if one. */
export class AuthError extends ProtocolError<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    readonly header?: SignedRequestHeader,
  ) {
    super(code, message);
  }
}

/** What signs: a Solana keypair (`Keypair` from web3.js fits), 64-byte secret key = seed ‖ public key. */
export interface RequestSigner {
  readonly secretKey: Uint8Array;
}

export type Body = Uint8Array | string;

function bodyBytes(body: Body): Uint8Array {
  return typeof body === "string" ? new TextEncoder().encode(body) : body;
}

function canonicalMethod(method: string): string {
  if (!METHOD_RE.test(method)) throw new AuthError("INVALID_REQUEST", `method ${JSON.stringify(method)} is not an HTTP method`);
  return method.toUpperCase();
}

function checkPath(path: string): string {
  if (!path.startsWith("/") || /[\n\r]/.test(path)) {
    throw new AuthError("INVALID_REQUEST", `path ${JSON.stringify(path)} must start with / and be one line`);
  }
  return path;
}

/** The exact bytes that are signed. */
export function canonicalMessage(method: string, path: string, body: Body, timestamp: string, nonce: string): Uint8Array {
  const bodyHash = createHash("sha256").update(bodyBytes(body)).digest("hex");
  const text = [SIGNATURE_SCHEME, canonicalMethod(method), checkPath(path), bodyHash, timestamp, nonce].join("\n");
  return new TextEncoder().encode(text);
}

export interface SignOptions {
  /** Unix ms; defaults to the local clock. */
  readonly now?: number;
  /** Lowercase hex, ≥ 16 bytes; defaults to 16 fresh random bytes. */
  readonly nonce?: string;
}

function seedAndPublicKey(signer: RequestSigner): { seed: Uint8Array; publicKey: Uint8Array } {
  const { secretKey } = signer;
  if (secretKey.length !== 64 && secretKey.length !== 32) {
    throw new AuthError("BAD_KEY", `a secret key has 32 or 64 bytes, got ${secretKey.length}`);
  }
  const seed = secretKey.subarray(0, 32);
  const publicKey = ed25519.getPublicKey(seed);
  if (secretKey.length === 64 && !equalBytes(publicKey, secretKey.subarray(32))) {
    throw new AuthError("BAD_KEY", "the secret key's second half is not the public key of its seed");
  }
  return { seed, publicKey };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** The four headers that sign `method path` with `body` for `signer`. */
export function signRequest(
  signer: RequestSigner,
  method: string,
  path: string,
  body: Body,
  options: SignOptions = {},
): SignedRequestHeaders {
  const { seed, publicKey } = seedAndPublicKey(signer);
  const timestamp = String(options.now ?? Date.now());
  if (!TIMESTAMP_RE.test(timestamp)) throw new AuthError("MALFORMED_TIMESTAMP", `timestamp ${timestamp} is not unix ms`);
  const nonce = options.nonce ?? randomBytes(NONCE_BYTES).toString("hex");
  if (!NONCE_RE.test(nonce)) throw new AuthError("MALFORMED_NONCE", "a nonce is 16..64 bytes of lowercase hex");
  const signature = ed25519.sign(canonicalMessage(method, path, body, timestamp, nonce), seed);
  return {
    [HEADER_KEY]: encodePublicKey(publicKey),
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: bs58.encode(signature),
  };
}

/** Headers as Node's `IncomingHttpHeaders` has them: lower-case names, repeated ones as arrays. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifiedRequest {
  /** The signer's wallet, base58. */
  readonly publicKey: string;
  readonly timestamp: number;
  readonly nonce: string;
  /** Unix ms until which the nonce must be remembered: timestamp + maxSkewMs. */
  readonly nonceExpiresAt: number;
}

function header(headers: RequestHeaders, name: SignedRequestHeader): string | AuthError {
  const value = headers[name];
  if (value === undefined || value === "") return new AuthError("MISSING_HEADER", `missing header ${name}`, name);
  if (typeof value !== "string") {
    return value.length === 1 ? value[0] : new AuthError("DUPLICATE_HEADER", `header ${name} is repeated`, name);
  }
  return value;
}

function decodeSignature(text: string): Uint8Array | null {
  if (text.length > 100) return null;
  try {
    const bytes = bs58.decode(text);
    return bytes.length === SIGNATURE_BYTES ? bytes : null;
  } catch {
    return null;
  }
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const SIGNER_CACHE_LIMIT = 10_000;
const signerCache = new Map<string, { bytes: Uint8Array; key: KeyObject }>();

/**
 * A signer's key, validated once and kept: nodes sign every few seconds with the same
 * key, and decoding plus the small-order check cost more than the signature check.
 */
function signerKey(text: string): { bytes: Uint8Array; key: KeyObject } | null {
  const cached = signerCache.get(text);
  if (cached !== undefined) return cached;
  const bytes = decodePublicKey(text);
  if (bytes === null) return null;
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: "der", type: "spki" });
  if (signerCache.size >= SIGNER_CACHE_LIMIT) signerCache.clear();
  const entry = { bytes, key };
  signerCache.set(text, entry);
  return entry;
}

/**
 * Who signed this request, or why it does not count. `now` and `maxSkewMs` in ms: the
 * timestamp must lie in [now − maxSkewMs, now + maxSkewMs]. Checks are made cheapest
 * first; the signature last.
 */
export function verifyRequest(
  headers: RequestHeaders,
  method: string,
  path: string,
  body: Body,
  now: number,
  maxSkewMs: number,
): VerifiedRequest | AuthError {
  const values: Partial<Record<SignedRequestHeader, string>> = {};
  for (const name of SIGNED_REQUEST_HEADERS) {
    const value = header(headers, name);
    if (value instanceof AuthError) return value;
    values[name] = value;
  }
  const keyText = values[HEADER_KEY] as string;
  const timestampText = values[HEADER_TIMESTAMP] as string;
  const nonce = values[HEADER_NONCE] as string;
  const signatureText = values[HEADER_SIGNATURE] as string;

  const verifier = signerKey(keyText);
  if (verifier === null) return new AuthError("BAD_KEY", `${HEADER_KEY} is not a wallet public key`, HEADER_KEY);
  const publicKey = verifier.bytes;
  if (!TIMESTAMP_RE.test(timestampText)) {
    return new AuthError("MALFORMED_TIMESTAMP", `${HEADER_TIMESTAMP} must be unix ms in decimal`, HEADER_TIMESTAMP);
  }
  const timestamp = Number(timestampText);
  if (timestamp < now - maxSkewMs) {
    const age = now - timestamp;
    return new AuthError("STALE_TIMESTAMP", `signed ${age} ms ago; at most ${maxSkewMs} allowed`, HEADER_TIMESTAMP);
  }
  if (timestamp > now + maxSkewMs) {
    const ahead = timestamp - now;
    return new AuthError("FUTURE_TIMESTAMP", `signed ${ahead} ms ahead; at most ${maxSkewMs} allowed`, HEADER_TIMESTAMP);
  }
  if (!NONCE_RE.test(nonce)) {
    return new AuthError("MALFORMED_NONCE", `${HEADER_NONCE} must be 16..64 bytes of lowercase hex`, HEADER_NONCE);
  }
  const signature = decodeSignature(signatureText);
  if (signature === null) {
    return new AuthError("MALFORMED_SIGNATURE", `${HEADER_SIGNATURE} must be 64 bytes in base58`, HEADER_SIGNATURE);
  }
  let message: Uint8Array;
  try {
    message = canonicalMessage(method, path, body, timestampText, nonce);
  } catch (error) {
    return error instanceof AuthError ? error : new AuthError("INVALID_REQUEST", String(error));
  }
  let valid: boolean;
  try {
    // OpenSSL's Ed25519 (RFC 8032: S must be < L); the key itself was already
    // checked strictly (canonical encoding, not of small order) by decodePublicKey.
    valid = verifyWithNode(null, message, verifier.key, signature);
  } catch {
    valid = false;
  }
  if (!valid) return new AuthError("BAD_SIGNATURE", "the signature does not match this request and key", HEADER_SIGNATURE);
  return { publicKey: encodePublicKey(publicKey), timestamp, nonce, nonceExpiresAt: timestamp + maxSkewMs };
}
