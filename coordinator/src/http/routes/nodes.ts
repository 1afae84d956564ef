/**
 * Nodes, signed with their own wallet (the node id): POST /v1/nodes registers or
 * updates a node; POST /v1/nodes/heartbeat keeps its lease, accepts its offer by
 * naming the job, reports progress, and returns the offer or cancellation waiting for
 * it. A heartbeat costs two Redis commands: the nonce claim and one script.
 */
import { Express, RequestHandler } from "express";

import { nodeReliability } from "../../store/node-codec";
import { nodeView } from "../views";
import { callerOf } from "../auth";
import { readJson } from "../body";
import { ApiContext } from "../context";
import { sendJson } from "../json";
import { notAssigned, unknownNode } from "./jobs";

export function nodeRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  const { store } = ctx;
  const interval = ctx.config.heartbeat.intervalMs;

  app.post("/v1/nodes", body, auth, async (req, res) => {
    const input = readJson(req, ctx.schemas.node);
    const nodeId = callerOf(req).wallet;
    const now = ctx.clock();
    const outcome = await store.nodes.register({ nodeId, ...input }, now);
    const node = await store.nodes.get(nodeId);
    if (node === null) throw new Error(`node ${nodeId} vanished right after registering`);
    sendJson(res, outcome === "created" ? 201 : 200, nodeView(node, nodeReliability(node, now, interval)));
  });

  app.post("/v1/nodes/heartbeat", body, auth, async (req, res) => {
    const input = readJson(req, ctx.schemas.heartbeat);
    const caller = callerOf(req);
    const latencyMs = Math.max(0, caller.receivedAt - caller.signedAt);
    const outcome = await store.nodes.heartbeat({
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
    sendJson(res, 200, {
      nextBeatInMs: interval,
      offer: outcome.offer === null ? null : (JSON.parse(outcome.offer) as unknown),
      cancel: outcome.cancel === null ? null : { jobId: outcome.cancel, reason: outcome.cancelReason ?? "the job was taken from this node" },
      jobStatus: outcome.jobStatus,
    });
  });
}
