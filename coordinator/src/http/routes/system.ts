/** Unsigned operational routes: /health (real dependency state), /metrics, /openapi.yaml. */
import type { Express } from "express";

import type { ApiContext } from "../context";
import { sendJson } from "../json";

export function systemRoutes(app: Express, ctx: ApiContext): void {
  app.get("/health", async (_req, res) => {
    const [redis, rpc, ipfs] = await Promise.all([ctx.probes.redis.check(), ctx.probes.rpc.check(), ctx.probes.ipfs.check()]);
    const ok = redis.ok && rpc.ok && ipfs.ok;
    res.setHeader("Cache-Control", "no-store");
    sendJson(res, ok ? 200 : 503, { status: ok ? "ok" : "unhealthy", redis, rpc, ipfs });
  });

  app.get("/metrics", async (_req, res) => {
    const text = await ctx.metrics.registry.metrics();
    res.status(200).type(ctx.metrics.registry.contentType).send(text);
  });

  app.get("/openapi.yaml", (_req, res) => {
    res.status(200).type("application/yaml").send(ctx.openapi);
  });
}
