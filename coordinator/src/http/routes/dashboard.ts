/**
 * The web dashboard (app/web, built to app/web/dist), served by the coordinator when
 * config `http.dashboardDir` (env CYXWIZ_DASHBOARD_DIR) names a directory: its files
 * at /, and index.html for any other GET or HEAD path so the single-page app's own
 * routes (/jobs/…, /nodes/…) load on a reload. Registered after the API, and never
 * for /v1, /health, /metrics or /openapi.yaml: an unknown API path stays a JSON 404.
 * Off ("" or absent, the default) nothing is served; a directory that does not exist,
 * or holds no index.html, is logged and serves nothing.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

import express, { type Express, type NextFunction, type Request, type Response } from "express";

import type { ApiContext } from "../context";

/** Paths that belong to the API and are never answered by the dashboard. */
const API_PATH = /^\/(v1|health|metrics|openapi\.yaml|rpc)(\/|$)/;

export function dashboardRoutes(app: Express, ctx: ApiContext): void {
  const dir = ctx.config.http.dashboardDir ?? "";
  if (dir === "") return;
  const root = resolve(dir);
  const index = join(root, "index.html");
  if (!existsSync(root) || !statSync(root).isDirectory() || !existsSync(index)) {
    ctx.log.warn(
      "dashboard not served: http.dashboardDir is not a directory with an index.html; build it (npm run build:web) or unset CYXWIZ_DASHBOARD_DIR",
      { dir: root },
    );
    return;
  }
  ctx.log.info("serving the dashboard", { dir: root, rpcForwardedTo: ctx.config.rpcUrl });
  app.post("/rpc", express.raw({ type: () => true, limit: ctx.config.http.bodyLimitBytes }), (req: Request, res: Response) => {
    void forwardRpc(ctx, req.body as Buffer, res);
  });
  const files = express.static(root, { index: "index.html", redirect: false, fallthrough: true, dotfiles: "ignore" });
  const forDashboard = (req: Request) => (req.method === "GET" || req.method === "HEAD") && !API_PATH.test(req.path);

  app.use((req: Request, res: Response, next: NextFunction) => (forDashboard(req) ? files(req, res, next) : next()));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!forDashboard(req)) return next();
    // The app's own routes: always the current index.html, never a cached one.
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
}

/** A JSON-RPC error reply of our own (the request never reached the RPC). */
function rpcRefusal(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: "2.0", id: null, error: { code, message } });
}

/** The method names of a JSON-RPC request or batch, or null when it is not one. */
function rpcMethods(body: unknown): string[] | null {
  const calls = Array.isArray(body) ? body : [body];
  const methods: string[] = [];
  for (const call of calls) {
    const method = (call as { method?: unknown } | null)?.method;
    if (typeof method !== "string") return null;
    methods.push(method);
  }
  return methods;
}

async function forwardRpc(ctx: ApiContext, raw: Buffer, res: Response): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return rpcRefusal(res, 400, -32700, "parse error: the body is not JSON");
  }
  const methods = rpcMethods(parsed);
  if (methods === null) return rpcRefusal(res, 400, -32600, "invalid request: every call needs a string method");
  const devOnly = methods.find((method) => method.startsWith("cyxwiz_"));
  if (devOnly !== undefined) return rpcRefusal(res, 403, -32601, `method ${devOnly} is not forwarded by the coordinator`);
  try {
    const answer = await fetch(ctx.config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw,
      signal: AbortSignal.timeout(30_000),
    });
    res
      .status(answer.status)
      .type("application/json")
      .send(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    ctx.log.warn("rpc forward failed", { rpcUrl: ctx.config.rpcUrl, error });
    rpcRefusal(res, 502, -32000, `the coordinator cannot reach the Solana RPC at ${ctx.config.rpcUrl}`);
  }
}
