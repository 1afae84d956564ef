/**
 * The web dashboard (app/web, built to app/web/dist), served by the coordinator when
 * config `http.dashboardDir` (env CYXWIZ_DASHBOARD_DIR) names a directory: its files
 * at /, and index.html for any other GET or HEAD path so the single-page app's own
 * routes (/jobs/…, /nodes/…) load on a reload. Registered after the API, and never
 * for /v1, /health, /metrics or /openapi.yaml: an unknown API path stays a JSON 404.
 * Off ("" or absent, the default) nothing is served; a directory that does not exist,
 * or holds no index.html, is logged and serves nothing.
 */
import { existsSync, statSync } from "fs";
import { join, resolve } from "path";

import express, { Express, NextFunction, Request, Response } from "express";

import { ApiContext } from "../context";

/** Paths that belong to the API and are never answered by the dashboard. */
const API_PATH = /^\/(v1|health|metrics|openapi\.yaml)(\/|$)/;

export function dashboardRoutes(app: Express, ctx: ApiContext): void {
  const dir = ctx.config.http.dashboardDir ?? "";
  if (dir === "") return;
  const root = resolve(dir);
  const index = join(root, "index.html");
  if (!existsSync(root) || !statSync(root).isDirectory() || !existsSync(index)) {
    ctx.log.warn("dashboard not served: http.dashboardDir is not a directory with an index.html; build it (npm run build:web) or unset CYXWIZ_DASHBOARD_DIR", { dir: root });
    return;
  }
  ctx.log.info("serving the dashboard", { dir: root });
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
