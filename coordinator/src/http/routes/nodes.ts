/**
 * Nodes, signed with their own wallet (the node id): POST /v1/nodes registers or
 * updates a node; POST /v1/nodes/heartbeat keeps its lease, accepts its offer by
 * naming the job, reports progress, and returns the offer or cancellation waiting for
 * it. A heartbeat costs two Redis commands: the nonce claim and one script. The
 * server answers POST /v1/nodes/heartbeat itself, without express (http/heartbeat-fast.ts),
 * with the same pieces: authenticate, parseJson and `beat` below. Registration and the
 * beat (which accepts an offer by naming its job) are flows/accept.ts.
 */
import type { Express, RequestHandler } from "express";

import { heartbeat, registerNode } from "../../flows/accept";
import { nodeReliability } from "../../store/node-codec";
import { nodeView } from "../views";
import { type Caller, callerOf } from "../auth";
import { readJson } from "../body";
import type { ApiContext } from "../context";
import { sendJson, toJson } from "../json";
import type { HeartbeatBody } from "../schemas";
import { notAssigned, unknownNode } from "./jobs";

export function nodeRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  const interval = ctx.config.heartbeat.intervalMs;

  app.post("/v1/nodes", body, auth, async (req, res) => {
    const input = readJson(req, ctx.schemas.node);
    const { created, node, now } = await registerNode(ctx, { nodeId: callerOf(req).wallet, ...input });
    sendJson(res, created ? 201 : 200, nodeView(node, nodeReliability(node, now, interval)));
  });

  app.post("/v1/nodes/heartbeat", body, auth, async (req, res) => {
    sendJson(res, 200, await beat(ctx, callerOf(req), readJson(req, ctx.schemas.heartbeat)));
  });
}

/**
 * One heartbeat of a verified node: its reply as JSON text, or the ApiError refusing it
 * (404 UNKNOWN_NODE, 409 NOT_ASSIGNED). The express route above and the fast path
 * (http/heartbeat-fast.ts) both answer with it.
 */
export async function beat(ctx: ApiContext, caller: Caller, input: HeartbeatBody): Promise<string> {
  const latencyMs = Math.max(0, caller.receivedAt - caller.signedAt);
  const outcome = await heartbeat(ctx, {
    nodeId: caller.wallet,
    jobId: input.jobId ?? null,
    progress: input.progress ?? null,
    latencyMs,
    now: caller.receivedAt,
  });
  ctx.metrics.heartbeats.inc({ outcome: outcome.kind });
  if (outcome.kind === "unknown-node") throw unknownNode(caller.wallet);
  if (outcome.kind === "not-assigned") throw notAssigned(input.jobId ?? "");
  ctx.metrics.heartbeatLatency.observe(latencyMs / 1000);
  return toJson({
    nextBeatInMs: ctx.config.heartbeat.intervalMs,
    offer: outcome.offer === null ? null : (JSON.parse(outcome.offer) as unknown),
    cancel: outcome.cancel === null ? null : { jobId: outcome.cancel, reason: outcome.cancelReason ?? "the job was taken from this node" },
    jobStatus: outcome.jobStatus,
  });
}
