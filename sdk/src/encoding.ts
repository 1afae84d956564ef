/** The SDK speaks bigint (token amounts) and number (seconds); Anchor's coder takes BN. */
import { BN } from "@coral-xyz/anchor";

import { type Amount, toU64 } from "./split";

export function u64(amount: Amount): BN {
  return new BN(toU64(amount).toString());
}

export function i64(value: number): BN {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  return new BN(value);
}
