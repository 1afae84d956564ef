/**
 * The cluster's clock. Escrow expiry is checked against the chain's Clock sysvar,
 * not the wall clock (they differ on the localnet after a warp, and by drift on
 * real clusters), so expiries are computed from `chainUnixTime`.
 */
import { type Connection, SYSVAR_CLOCK_PUBKEY } from "@solana/web3.js";

/** Clock sysvar: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64. */
const UNIX_TIMESTAMP_OFFSET = 32;

export class ClockUnavailableError extends Error {
  constructor(detail: string) {
    super(`cannot read the cluster clock: ${detail}`);
    this.name = "ClockUnavailableError";
  }
}

/** The chain's current unix time in seconds (the Clock sysvar's `unix_timestamp`). */
export async function chainUnixTime(connection: Connection): Promise<number> {
  const account = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY);
  if (account === null || account.data.length < UNIX_TIMESTAMP_OFFSET + 8) {
    throw new ClockUnavailableError("Clock sysvar missing or too short");
  }
  return Number(account.data.readBigInt64LE(UNIX_TIMESTAMP_OFFSET));
}

export type ClockWarp = { unixTimestamp: number } | { seconds: number };

export class ClockWarpError extends Error {
  constructor(detail: string) {
    super(`cyxwiz_warpClock failed: ${detail}`);
    this.name = "ClockWarpError";
  }
}

/**
 * Localnet only: move the bank's Clock to an absolute time or by `seconds`
 * (dev method `cyxwiz_warpClock`; real clusters do not have it). Returns the new time.
 */
export async function warpClock(connection: Connection, warp: ClockWarp): Promise<number> {
  const response = await fetch(connection.rpcEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "cyxwiz_warpClock", params: [warp] }),
  });
  if (!response.ok) throw new ClockWarpError(`HTTP ${response.status}`);
  const body = (await response.json()) as {
    result?: { unixTimestamp?: unknown };
    error?: { code: number; message: string };
  };
  if (body.error !== undefined) throw new ClockWarpError(`${body.error.code} ${body.error.message}`);
  const unixTimestamp = body.result?.unixTimestamp;
  if (typeof unixTimestamp !== "number") throw new ClockWarpError(`unexpected result ${JSON.stringify(body.result)}`);
  return unixTimestamp;
}
