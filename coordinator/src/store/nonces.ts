/**
 * Replay protection for signed requests: a nonce is claimed once per wallet with
 * SET NX PX, and remembered only until its request's timestamp is stale, after which
 * the clock check refuses a replay on its own.
 *
 * The claim stores a token drawn for this receipt and reads back what was there (SET
 * NX GET, one command): ioredis re-sends a command whose reply was lost to a dropped
 * connection, and that second SET must not mistake the request's own claim for a
 * replay. A replay is a different receipt, so it never holds the token.
 */
import { randomBytes } from "node:crypto";

import type Redis from "ioredis";

import { storeCall } from "./failures";
import type { Keys } from "./keys";

export class NonceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** True the first time `nonce` is seen for `wallet`; false for a replay. */
  async claim(wallet: string, nonce: string, rememberMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(rememberMs));
    const token = randomBytes(8).toString("hex");
    const earlier = await storeCall("nonce claim", () => this.redis.set(this.keys.nonce(wallet, nonce), token, "PX", ttl, "NX", "GET"));
    return earlier === null || earlier === token;
  }
}
