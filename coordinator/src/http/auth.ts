/**
 * Signed requests (security test 39): every route that acts for a client or a node
 * verifies the ed25519 signature over the raw body (protocol/src/signed-request.ts), against
 * the local clock within the configured skew, then claims the nonce in Redis
 * (SET NX PX) so a replay is refused. Each refusal is a 401 written before anything
 * else happens: no state changes. A refused request claims no nonce either. The
 * refusal's WWW-Authenticate challenge is added by the error reply (app.ts).
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";

import { AuthError, type RequestHeaders, verifyRequest } from "@cyxwiz/protocol/signed-request";
import type { NonceStore } from "../store/nonces";
import { bodyBytes } from "./body";
import { ApiError } from "./errors";
import type { Clock } from "../ports";

export interface Caller {
  /** The signer's wallet, base58: the client, or the node's id. */
  readonly wallet: string;
  /** When the request was signed (unix ms), by the caller's clock. */
  readonly signedAt: number;
  /** When it was received, by ours. */
  readonly receivedAt: number;
}

const callers = new WeakMap<Request, Caller>();

/** The verified caller of a request that passed `signed`. */
export function callerOf(req: Request): Caller {
  const caller = callers.get(req);
  if (caller === undefined) throw new Error(`route ${req.method} ${req.path} reads a caller but is not signed`);
  return caller;
}

/** The caller's wallet if the request was verified, for log context. */
export function callerWalletOf(req: Request): string | null {
  return callers.get(req)?.wallet ?? null;
}

export interface SignedDeps {
  readonly nonces: NonceStore;
  readonly clock: Clock;
  readonly maxSkewMs: number;
}

/** The challenge every signature refusal carries (WWW-Authenticate). */
export const SIGNATURE_CHALLENGE = 'Cyxwiz-Signature realm="cyxwiz"';

/** A refused signed request: 401 with the reason's code, answered with SIGNATURE_CHALLENGE. */
export class UnauthorizedError extends ApiError {
  constructor(code: string, message: string) {
    super(401, code, message);
  }
}

/**
 * Verifies a signed request (headers, method, path with query and raw body) and claims
 * its nonce: the caller, or an UnauthorizedError (nothing claimed unless the signature
 * holds). Shared by the `signed` middleware and the heartbeat fast path.
 */
export async function authenticate(
  deps: SignedDeps,
  headers: RequestHeaders,
  method: string,
  url: string,
  body: Uint8Array,
): Promise<Caller> {
  const now = deps.clock();
  const verified = verifyRequest(headers, method, url, body, now, deps.maxSkewMs);
  if (verified instanceof AuthError) throw new UnauthorizedError(verified.code, verified.message);
  const fresh = await deps.nonces.claim(verified.publicKey, verified.nonce, verified.nonceExpiresAt - now);
  if (!fresh) throw new UnauthorizedError("REPLAYED_NONCE", "this nonce was already used: sign every request with a fresh nonce");
  return { wallet: verified.publicKey, signedAt: verified.timestamp, receivedAt: now };
}

export function signed(deps: SignedDeps): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    callers.set(req, await authenticate(deps, req.headers, req.method, req.originalUrl, bodyBytes(req)));
    next();
  };
}
