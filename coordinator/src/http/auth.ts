/**
 * Signed requests (security test 39): every route that acts for a client or a node
 * verifies the ed25519 signature over the raw body (auth/signed-request.ts), against
 * the local clock within the configured skew, then claims the nonce in Redis
 * (SET NX PX) so a replay is refused. Each refusal is a 401 written before anything
 * else happens: no state changes. A refused request claims no nonce either.
 */
import { NextFunction, Request, RequestHandler, Response } from "express";

import { AuthError, verifyRequest } from "../auth/signed-request";
import { NonceStore } from "../store/nonces";
import { bodyBytes } from "./body";
import { ApiError } from "./errors";
import { Clock } from "./ports";

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

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message);
}

export function signed(deps: SignedDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const now = deps.clock();
    const verified = verifyRequest(req.headers, req.method, req.originalUrl, bodyBytes(req), now, deps.maxSkewMs);
    if (verified instanceof AuthError) {
      res.setHeader("WWW-Authenticate", 'Cyxwiz-Signature realm="cyxwiz"');
      throw unauthorized(verified.code, verified.message);
    }
    const fresh = await deps.nonces.claim(verified.publicKey, verified.nonce, verified.nonceExpiresAt - now);
    if (!fresh) {
      res.setHeader("WWW-Authenticate", 'Cyxwiz-Signature realm="cyxwiz"');
      throw unauthorized("REPLAYED_NONCE", "this nonce was already used: sign every request with a fresh nonce");
    }
    callers.set(req, { wallet: verified.publicKey, signedAt: verified.timestamp, receivedAt: now });
    next();
  };
}
