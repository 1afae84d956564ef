/** The node operator's commands: start the agent, see the node's state and earnings. */
import { homedir } from "node:os";
import { join } from "node:path";

import { PublicKey } from "@solana/web3.js";

import { AgentError, type AgentEvent, GpuDetectionError, type GpuOption, runAgent } from "@cyxwiz/agent";
import type { NodeDetailReply } from "@cyxwiz/protocol/api/responses";
import { CoordinatorHttpError } from "@cyxwiz/lib";
import type { Command } from "../command";
import type { Context } from "../context";
import { CliError, EXIT, usageError, userError } from "../errors";
import { clockTime, formatTokens, parseTokens, shortKey } from "../output";
import { metricText } from "../render";

/** One line per agent event (beats are left out: they are many and say nothing new). */
export function eventLine(event: AgentEvent): string | null {
  switch (event.type) {
    case "registered":
      return `registered as ${event.nodeId}: ${event.gpu.count} × ${event.gpu.model} ${event.gpu.vramGb} GB (${String(event.node.nodeClass ?? "")}), price floor ${formatTokens(event.priceFloor)} per GPU-hour`;
    case "beat":
      return null;
    case "offer":
      return `offer: job ${shortKey(event.offer.jobId)} (${event.kind ?? "unknown kind"}) paying ${formatTokens(event.offer.payment)}, escrow ${shortKey(event.offer.escrow)} locked to this node`;
    case "offer-refused":
      return `refused job ${shortKey(event.jobId)}: ${event.reason}`;
    case "accepted":
      return `accepted job ${shortKey(event.jobId)} (${event.kind})`;
    case "dataset-fetched":
      return `dataset ${event.cid} fetched: ${event.bytes} bytes, sha256 ${event.sha256.slice(0, 16)}…`;
    case "epoch":
      return `epoch ${event.epoch}/${event.epochs}  loss ${event.loss.toFixed(4)}  accuracy ${event.accuracy.toFixed(3)}  val loss ${event.validationLoss.toFixed(4)}  val accuracy ${event.validationAccuracy.toFixed(3)}`;
    case "checkpoint-uploaded":
      return `checkpoint at epoch ${event.epoch}/${event.epochs} uploaded: ${event.cid}${event.announced ? " (announced)" : ""}`;
    case "weights-uploaded":
      return `weights uploaded: ${event.cid} (${event.bytes} bytes, sha256 ${event.sha256})`;
    case "reported":
      return `reported job ${shortKey(event.jobId)}: ${metricText(event.metrics)} → ${event.status ?? "?"}`;
    case "cancelled":
      return `job ${shortKey(event.jobId)} cancelled: ${event.reason}`;
    case "job-lost":
      return `lost job ${shortKey(event.jobId)}: ${event.reason}`;
    case "job-failed":
      return `job ${shortKey(event.jobId)} failed: ${event.reason}`;
    case "coordinator-unreachable":
      return `coordinator unreachable (${event.error}); retrying in ${Math.round(event.retryInMs / 100) / 10} s`;
    case "coordinator-back":
      return `coordinator back after ${Math.round(event.downForMs / 1000)} s`;
    case "error":
      return `${event.fatal ? "fatal " : ""}error ${event.code}: ${event.error}`;
    case "stopped":
      return `stopped (${event.reason})`;
    default:
      return null;
  }
}

function gpuOption(ctx: Context): GpuOption {
  const model = ctx.flag<string>("gpu");
  const vram = ctx.flag<number>("vram");
  const count = ctx.flag<number>("gpu-count");
  if (model === undefined || model === "auto") {
    if (vram !== undefined || count !== undefined)
      throw usageError("--vram and --gpu-count describe a declared GPU: give --gpu MODEL with them");
    return "auto";
  }
  if (model.toUpperCase() === "CPU") return { model: "CPU", vramGb: vram ?? 0, count: count ?? 1 };
  if (vram === undefined) throw usageError(`--gpu ${model} needs --vram GB (the VRAM of one card)`);
  return { model, vramGb: vram, count: count ?? 1 };
}

export const nodeStartCommand: Command = {
  path: ["node", "start"],
  summary: "Run this machine as a node: register, take offers, train, upload the weights, report. Ctrl-C stops it cleanly.",
  description:
    "--json prints one JSON event per line (registered, offer, accepted, dataset-fetched, epoch, checkpoint-uploaded, weights-uploaded, reported, job-lost, stopped, ...).",
  flags: [
    { name: "gpu", type: "string", value: "MODEL", help: "auto (nvidia-smi, else CPU; default), CPU, or a model like RTX_3060" },
    { name: "vram", type: "number", value: "GB", help: "VRAM of one card of a declared --gpu" },
    { name: "gpu-count", type: "number", value: "N", help: "cards of a declared --gpu (default 1)" },
    { name: "price-floor", type: "string", value: "CYXWIZ", help: "the least accepted per reference GPU-hour, e.g. 0.5 (default 0.1)" },
    { name: "work-dir", type: "string", value: "DIR", help: "job files and checkpoints (default ~/.cache/cyxwiz/node/<node id>)" },
    { name: "checkpoint-every", type: "number", value: "N", help: "upload a checkpoint every N epochs (default 5; 0: none)" },
    { name: "allow-commands", type: "boolean", help: "run cyxwiz/command@1 jobs in a bubblewrap sandbox" },
  ],
  positionals: [],
  async run(ctx) {
    const keypair = ctx.keypair();
    const floor = parseTokens(ctx.flag<string>("price-floor") ?? "0.1");
    if (floor === null) throw usageError(`--price-floor must be an amount of CYXWIZ like 0.5, got ${ctx.flag<string>("price-floor")}`);
    const nodeId = keypair.publicKey.toBase58();
    let handle: ReturnType<typeof runAgent>;
    try {
      handle = runAgent(
        {
          keypair,
          coordinatorUrl: ctx.settings.coordinatorUrl,
          ipfsApiUrl: ctx.settings.ipfsApi,
          workDir: ctx.flag<string>("work-dir") ?? join(homedir(), ".cache", "cyxwiz", "node", nodeId),
          gpu: gpuOption(ctx),
          priceFloor: floor.toString(),
          checkpointEveryEpochs: ctx.flag<number>("checkpoint-every"),
          allowCommands: ctx.flag<boolean>("allow-commands") === true,
        },
        {
          onEvent(event) {
            if (ctx.out.json) {
              ctx.out.event({ at: Date.now(), ...event });
              return;
            }
            const line = eventLine(event);
            if (line !== null) ctx.out.line(`${clockTime(Date.now())}  ${line}`);
          },
        },
      );
    } catch (error) {
      if (error instanceof AgentError || error instanceof GpuDetectionError)
        throw userError((error as AgentError).code ?? "GPU_DETECTION", error.message);
      throw error;
    }
    let signalled = false;
    const stop = (signal: string): void => {
      if (signalled) return;
      signalled = true;
      void handle.stop(signal);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    try {
      await handle.done;
    } catch (error) {
      if (error instanceof AgentError) {
        const unreachable = /UNREACHABLE/.test(error.code);
        throw new CliError(unreachable ? EXIT.unreachable : EXIT.user, error.code, error.message);
      }
      throw error;
    }
    return EXIT.ok;
  },
};

function nodeIdOf(ctx: Context): string {
  const given = ctx.positionals[0];
  if (given === undefined) return ctx.keypair().publicKey.toBase58();
  try {
    return new PublicKey(given).toBase58();
  } catch {
    throw usageError(`${JSON.stringify(given)} is not a node id (a base58 wallet address)`);
  }
}

async function getNode(ctx: Context, nodeId: string): Promise<NodeDetailReply> {
  try {
    return await ctx.coordinator(false).getNode(nodeId);
  } catch (error) {
    if (error instanceof CoordinatorHttpError && error.status === 404) {
      throw userError(
        "NODE_NOT_FOUND",
        `no node ${nodeId} at ${ctx.settings.coordinatorUrl}; register it with cyxwiz node start (same --keypair)`,
      );
    }
    throw error;
  }
}

const NODE_ARG = [{ name: "nodeId", help: "the node's wallet (default: the --keypair's)", optional: true }];

export const nodeStatusCommand: Command = {
  path: ["node", "status"],
  summary: "A node's state, class, reliability (and its parts) and current job.",
  flags: [],
  positionals: NODE_ARG,
  async run(ctx) {
    const node = await getNode(ctx, nodeIdOf(ctx));
    const parts = node.reliability?.parts ?? {};
    ctx.out.line(`Node ${node.nodeId}: ${node.state}${node.jobId ? ` running job ${node.jobId}` : ""}`);
    ctx.out.line(
      `  ${node.gpuCount} × ${node.gpuModel} ${node.vramGb} GB, class ${node.nodeClass}, price floor ${formatTokens(node.priceFloor)} per GPU-hour`,
    );
    ctx.out.line(
      `  reliability ${Number(node.reliability?.score ?? 0).toFixed(3)} = 0.30 uptime ${Number(parts.uptime ?? 0).toFixed(3)} + 0.25 jobs ${Number(parts.jobs ?? 0).toFixed(3)} + 0.35 proofs ${Number(parts.proofs ?? 0).toFixed(3)} + 0.10 latency ${Number(parts.latency ?? 0).toFixed(3)}`,
    );
    ctx.out.line(`  registered ${new Date(node.registeredAt).toISOString()}, last seen ${new Date(node.lastSeen).toISOString()}`);
    if (node.earnings) ctx.out.line(`  earned ${formatTokens(node.earnings.total ?? 0)} over ${node.earnings.jobs ?? 0} job(s)`);
    ctx.out.result(node);
  },
};

export const nodeEarningsCommand: Command = {
  path: ["node", "earnings"],
  summary: "What a node has been paid: the total and every payout with its signature.",
  flags: [],
  positionals: NODE_ARG,
  async run(ctx) {
    const node = await getNode(ctx, nodeIdOf(ctx));
    const earnings = node.earnings ?? { total: "0", jobs: 0, history: [] };
    ctx.out.line(`Node ${node.nodeId} earned ${formatTokens(earnings.total ?? 0)} over ${earnings.jobs ?? 0} job(s)`);
    for (const payout of earnings.history ?? []) {
      ctx.out.line(
        `  ${new Date(payout.at).toISOString()}  ${payout.outcome.padEnd(8)} ${formatTokens(payout.amount).padStart(20)}  job ${payout.jobId}  tx ${payout.signature ?? "-"}`,
      );
    }
    ctx.out.result({ nodeId: node.nodeId, ...earnings });
  },
};
