/** JSON out: bigints (token amounts, FLOPs) as decimal strings, always (../json.ts). */
import type { Response } from "express";

import { toJson } from "../json";

export { toJson };

/** Sends `body` (a value, or JSON text already serialised) with `status`. */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : toJson(body);
  res.status(status).type("application/json").send(text);
}
