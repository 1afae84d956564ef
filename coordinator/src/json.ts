/** JSON text of coordinator values: bigints (token amounts, FLOPs) as decimal strings, always. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}
