/** Display helpers: token amounts (CYXWIZ has 6 decimals), times, short keys. */
export const DECIMALS = 6;
const UNIT = 10n ** BigInt(DECIMALS);

/** Base units as "12.345678 CYXWIZ" (exact: bigint arithmetic, trailing zeros trimmed). */
export function tokens(amount: bigint | string | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  const value = BigInt(amount);
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const fraction = (abs % UNIT).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${abs / UNIT}${fraction === "" ? "" : `.${fraction}`} CYXWIZ`;
}

export function sol(lamports: number): string {
  return `${(lamports / 1e9).toFixed(4)} SOL`;
}

export function shortKey(key: string | null | undefined): string {
  if (key === null || key === undefined) return "—";
  return key.length <= 12 ? key : `${key.slice(0, 4)}…${key.slice(-4)}`;
}

export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms === 0) return "—";
  return new Date(ms).toLocaleString();
}

export function ago(ms: number, now: number = Date.now()): string {
  const secs = Math.max(0, Math.round((now - ms) / 1000));
  if (secs < 60) return `${secs} s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  return `${Math.floor(secs / 3600)} h ago`;
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
