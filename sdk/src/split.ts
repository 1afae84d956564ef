/**
 * The settlement split, mirrored from programs/job-escrow/src/math.rs for previews
 * (quotes, dashboards, test expectations). Integer and floored exactly like the
 * program:
 * - the node's gross share is floor(amount * share / 10 000): share dust to the payer;
 * - the fee is floor(gross * fee_bps / 10 000): fee dust stays with the node;
 * - node + platform + payer == amount.
 */
import { BN } from "@coral-xyz/anchor";

export const BPS_DENOMINATOR = 10_000;
/** Highest fee a config may hold (20%). */
export const MAX_FEE_BPS = 2_000;
/** The 10% of the 90/10 split. */
export const DEFAULT_FEE_BPS = 1_000;

const U64_MAX = (1n << 64n) - 1n;

export interface Split {
  node: bigint;
  platform: bigint;
  payer: bigint;
}

export class SplitRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SplitRangeError";
  }
}

export type Amount = bigint | number | BN;

export function toU64(amount: Amount): bigint {
  const value = BN.isBN(amount) ? BigInt(amount.toString()) : BigInt(amount);
  if (value < 0n || value > U64_MAX) throw new SplitRangeError(`amount ${value} is not a u64`);
  return value;
}

function checkBps(bps: number, what: string): bigint {
  if (!Number.isInteger(bps) || bps < 0 || bps > BPS_DENOMINATOR) {
    throw new SplitRangeError(`${what} must be an integer in 0..=${BPS_DENOMINATOR}, got ${bps}`);
  }
  return BigInt(bps);
}

/** floor(amount * bps / 10 000). */
export function bpsOf(amount: Amount, bps: number): bigint {
  return (toU64(amount) * checkBps(bps, "bps")) / BigInt(BPS_DENOMINATOR);
}

/** The platform fee on a node's gross payment. */
export function feeOf(gross: Amount, feeBps: number): bigint {
  return bpsOf(gross, feeBps);
}

/** How `amount` is divided when the node earned `nodeShareBps` of it. */
export function split(amount: Amount, nodeShareBps: number, feeBps: number): Split {
  const total = toU64(amount);
  const gross = bpsOf(total, nodeShareBps);
  const platform = feeOf(gross, feeBps);
  return { node: gross - platform, platform, payer: total - gross };
}

/** A full release: the node gets `amount - fee`, the treasury the fee. */
export function releaseSplit(amount: Amount, feeBps: number): Split {
  return split(amount, BPS_DENOMINATOR, feeBps);
}
