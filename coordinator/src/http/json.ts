/** JSON out: bigints (token amounts, FLOPs) as decimal strings, always. */
import { Response } from "express";

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}

/** Sends `body` (a value, or JSON text already serialised) with `status`. */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : toJson(body);
  res.status(status).type("application/json").send(text);
}
