/**
 * The read API the CLI, the node agent and the dashboard show: GET /v1/jobs (the
 * signing client's jobs, newest first), GET /v1/nodes and /v1/nodes/:id (public: the
 * node view with what each node has earned, and one node's payouts), GET /v1/stats
 * (public: jobs per status, tokens held in escrow, nodes per state, the latest
 * settlements). Every figure comes from records written atomically with the change
 * it describes (store/ledger.ts); nothing here writes.
 */
import type { Express, Request, RequestHandler } from "express";

import { JOB_STATUSES, type JobStatus } from "../../domain/job-state";
import { isPublicKey } from "../../domain/public-key";
import { LedgerStore } from "../../store/ledger";
import { nodeReliability, type StoredNode } from "../../store/node-codec";
import { callerOf } from "../auth";
import { pathParam } from "../body";
import type { ApiContext } from "../context";
import { badRequest } from "../errors";
import { sendJson } from "../json";
import { jobView, nodeView } from "../views";
import { runView, unknownNode } from "./jobs";

export const DEFAULT_JOBS_LIMIT = 50;
export const MAX_JOBS_LIMIT = 200;
/** How many settlements GET /v1/stats lists. */
export const STATS_SETTLEMENTS = 20;

const LIMIT_RE = /^[1-9][0-9]{0,5}$/;
const NODE_ID_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/** One query parameter given at most once; undefined when absent. */
function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest("INVALID_FIELD", `give the query parameter ${name} once, as a plain value`, name);
  return value;
}

/** Refuses query parameters the route does not take, naming them. */
function onlyParams(req: Request, allowed: readonly string[]): void {
  const unknown = Object.keys(req.query).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    const takes = allowed.length === 0 ? "takes no query parameters" : `takes only ${allowed.join(", ")}`;
    throw badRequest("INVALID_FIELD", `unknown query parameter ${unknown[0]}: this route ${takes}`, unknown[0]);
  }
}

function limitOf(req: Request): number {
  const raw = queryParam(req, "limit");
  if (raw === undefined) return DEFAULT_JOBS_LIMIT;
  const limit = LIMIT_RE.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_JOBS_LIMIT)) {
    throw badRequest("INVALID_FIELD", `limit must be an integer from 1 to ${MAX_JOBS_LIMIT}, got ${JSON.stringify(raw)}`, "limit");
  }
  return limit;
}

function statusOf(req: Request): JobStatus | null {
  const raw = queryParam(req, "status");
  if (raw === undefined) return null;
  if (!(JOB_STATUSES as readonly string[]).includes(raw)) {
    throw badRequest("INVALID_FIELD", `status must be one of ${JOB_STATUSES.join(", ")}; got ${JSON.stringify(raw)}`, "status");
  }
  return raw as JobStatus;
}

export function readRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  const { store } = ctx;
  const ledger = new LedgerStore(store.redis, store.keys);
  ctx.metrics.attachLedger(ledger);
  const interval = ctx.config.heartbeat.intervalMs;
  const view = (node: StoredNode, now: number) => nodeView(node, nodeReliability(node, now, interval));

  app.get("/v1/jobs", body, auth, async (req, res) => {
    onlyParams(req, ["status", "limit"]);
    const limit = limitOf(req);
    const status = statusOf(req);
    const jobs = await ledger.clientJobs({ client: callerOf(req).wallet, status, limit });
    // The GET /v1/jobs/:id view exactly: the job and its run (checkpoints, deadline).
    const checkpoints = await Promise.all(jobs.map((job) => store.runs.checkpoints(job.jobId)));
    sendJson(res, 200, { jobs: jobs.map((job, i) => ({ ...jobView(job), ...runView(job, checkpoints[i]) })) });
  });

  app.get("/v1/nodes", async (req, res) => {
    onlyParams(req, []);
    const nodes = (await store.nodes.all()).sort((a, b) => a.registeredAt - b.registeredAt || a.nodeId.localeCompare(b.nodeId));
    const earnings = await ledger.earnings(nodes.map((node) => node.nodeId));
    const now = ctx.clock();
    sendJson(res, 200, { nodes: nodes.map((node, i) => ({ ...view(node, now), earnings: earnings[i] })) });
  });

  app.get("/v1/nodes/:id", async (req, res) => {
    onlyParams(req, []);
    const nodeId = pathParam(req, "id", NODE_ID_RE, "a node's wallet, base58");
    if (!isPublicKey(nodeId))
      throw badRequest("INVALID_FIELD", "id in the path must be a node's wallet: a base58 ed25519 public key", "id");
    const node = await store.nodes.get(nodeId);
    if (node === null) throw unknownNode(nodeId);
    const [[earnings], history] = await Promise.all([ledger.earnings([nodeId]), ledger.payouts(nodeId)]);
    sendJson(res, 200, { ...view(node, ctx.clock()), earnings: { ...earnings, history } });
  });

  app.get("/v1/stats", async (req, res) => {
    onlyParams(req, []);
    const [byStatus, escrow, nodes, settlements] = await Promise.all([
      ledger.jobCounts(),
      ledger.escrowHeld(),
      store.nodes.all(),
      ledger.latestSettlements(STATS_SETTLEMENTS),
    ]);
    const now = ctx.clock();
    const states = { online: 0, busy: 0, offline: 0, total: nodes.length };
    for (const node of nodes) states[view(node, now).state as "online" | "busy" | "offline"] += 1;
    const total = JOB_STATUSES.reduce((sum, status) => sum + byStatus[status], 0);
    res.setHeader("Cache-Control", "no-store");
    sendJson(res, 200, {
      jobs: { byStatus, total },
      escrow: { held: escrow.held, openJobs: escrow.openJobs },
      nodes: states,
      settlements,
    });
  });
}
