/**
 * Token amounts are bigint base units (CYXWIZ has 6 decimals); every division says
 * which way it rounds. Fractions that take part in prices (GPU-hours, multipliers,
 * margins) are fixed-point integers so a price is exact and reproducible.
 */
import { CoordinatorError } from "./errors";

export type MoneyErrorCode = "NEGATIVE_AMOUNT" | "DIVISION_BY_ZERO" | "NOT_AN_INTEGER" | "AMOUNT_TOO_LARGE";

export class MoneyError extends CoordinatorError<MoneyErrorCode> {}

/** JobEscrow stores amounts as u64. */
export const U64_MAX = (1n << 64n) - 1n;

/** GPU-hours are carried as micro-GPU-hours: 1 GPU-hour = 1 000 000. */
export const MICRO_HOURS_PER_HOUR = 1_000_000n;

/** GPU multipliers are carried in thousandths: 1.5 = 1 500. */
export const MULTIPLIER_SCALE = 1_000n;

export const BPS_SCALE = 10_000n;

/** ceil(numerator / denominator) for numerator ≥ 0 and denominator > 0. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new MoneyError("DIVISION_BY_ZERO", `denominator must be > 0, got ${denominator}`);
  if (numerator < 0n) throw new MoneyError("NEGATIVE_AMOUNT", `numerator must be ≥ 0, got ${numerator}`);
  return (numerator + denominator - 1n) / denominator;
}

/** A non-negative safe integer as bigint; `what` names it in the error. */
export function nonNegativeInteger(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MoneyError("NOT_AN_INTEGER", `${what} must be a non-negative safe integer, got ${value}`);
  }
  return BigInt(value);
}

/**
 * A decimal like 1.5 as an integer count of `1 / scale` (1 500 for scale 1 000). Values
 * finer than the scale are refused rather than silently rounded: a price table must
 * mean exactly what it says.
 */
export function toFixedPoint(value: number, scale: bigint, what: string): bigint {
  const scaled = value * Number(scale);
  const rounded = Math.round(scaled);
  if (!Number.isFinite(value) || value < 0 || Math.abs(scaled - rounded) > 1e-6 || !Number.isSafeInteger(rounded)) {
    throw new MoneyError("NOT_AN_INTEGER", `${what} must be a non-negative multiple of 1/${scale}, got ${value}`);
  }
  return BigInt(rounded);
}

export function assertU64(amount: bigint, what: string): bigint {
  if (amount < 0n) throw new MoneyError("NEGATIVE_AMOUNT", `${what} must be ≥ 0, got ${amount}`);
  if (amount > U64_MAX) throw new MoneyError("AMOUNT_TOO_LARGE", `${what} ${amount} does not fit in a u64`);
  return amount;
}
