/**
 * The CyxWiz node agent: `cyxwiz node start` runs it.
 *
 *   const agent = runAgent({ keypair, coordinatorUrl, ipfsApiUrl, workDir, priceFloor: "1000" }, { onEvent: print });
 *   process.on("SIGINT", () => void agent.stop());
 *   await agent.done;   // resolves after stop(); rejects if the agent cannot go on (registration refused)
 *
 * See app/agent/README.md for the options, the events and what is verified.
 */
import { readFileSync } from "node:fs";

import { Keypair } from "@solana/web3.js";

import type { NodeDetailReply } from "@cyxwiz/protocol/api/responses";
import { CoordinatorClient, CoordinatorHttpError } from "@cyxwiz/lib";
import { NodeAgent } from "./agent";
import { AgentError } from "./errors";
import type { AgentHooks } from "./events";
import { type GpuInfo, type GpuOption, resolveGpu } from "./gpu";
import { type AgentIpfs, kuboIpfs } from "./ipfs";

export { AgentError } from "./errors";
export { COMMAND_KIND, parseCommandConfig, probeSandbox, sandboxArgs } from "./command";
export type { AgentEvent, AgentEventType, AgentHooks, LogLevel, OfferInfo } from "./events";
export { catalogueModel, CPU_DEFAULT_MAX_GB, cpuNode, detectGpu, GpuDetectionError, parseNvidiaSmi, resolveGpu } from "./gpu";
export type { GpuInfo, GpuOption } from "./gpu";
export type { AgentIpfs } from "./ipfs";
export { MLP_KIND } from "@cyxwiz/trainer/spec";

export interface AgentOptions {
  /** The node's wallet: a Keypair, or the path of a solana-keygen JSON file. It is the node id and is paid. */
  readonly keypair: Keypair | string;
  readonly coordinatorUrl: string;
  /** kubo's RPC API, e.g. http://127.0.0.1:5001 */
  readonly ipfsApiUrl: string;
  /** Jobs get their own directory under <workDir>/jobs, deleted when the job ends. */
  readonly workDir: string;
  /** "auto" (default): nvidia-smi, else the CPU class; or declared {model, vramGb, count}. */
  readonly gpu?: GpuOption;
  /** The least the node accepts per reference GPU-hour, token base units (decimal string). */
  readonly priceFloor: string;
  /** Upload and announce a checkpoint every N epochs (default 5; 0: keep them on disk only). */
  readonly checkpointEveryEpochs?: number;
  /** Run cyxwiz/command@1 jobs in a bubblewrap sandbox (default false: refused). */
  readonly allowCommands?: boolean;
  /** A command job's time limit (default 6 h). */
  readonly commandTimeoutMs?: number;
  /** The largest dataset fetched (default 1 GiB) and the time its read may take (default 10 min). */
  readonly maxDatasetBytes?: number;
  readonly datasetTimeoutMs?: number;
  /** Waits while the coordinator is unreachable: initial, doubling, capped (default 500 ms … 30 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Per-request timeout towards the coordinator (default 15 s). */
  readonly requestTimeoutMs?: number;
  /** Substitutes for tests: an IPFS, the GPU detection, the bwrap binary. */
  readonly ipfs?: AgentIpfs;
  readonly detectGpu?: () => GpuInfo;
  readonly bwrap?: string;
}

export interface AgentHandle {
  /** The node's wallet address (base58): its id at the coordinator. */
  readonly nodeId: string;
  readonly gpu: GpuInfo;
  /** Every AgentEvent as "event" (the same as hooks.onEvent). */
  readonly events: NodeAgent["events"];
  /** Stop accepting, abort the running job (nothing is reported), stop beating; resolves with `done`. */
  stop(reason?: string): Promise<void>;
  /**
   * The node as the coordinator sees it (GET /v1/nodes/:id: state, job, reliability,
   * earnings where the coordinator reports them). AgentError STATUS_UNAVAILABLE when the
   * coordinator has no such endpoint or does not know the node yet.
   */
  status(): Promise<NodeDetailReply>;
  /** Settles when the agent has stopped: resolves after stop(), rejects with an AgentError when it cannot go on. */
  readonly done: Promise<void>;
}

export function loadKeypair(keypair: Keypair | string): Keypair {
  if (typeof keypair !== "string") return keypair;
  let bytes: unknown;
  try {
    bytes = JSON.parse(readFileSync(keypair, "utf8"));
  } catch (error) {
    throw new AgentError(
      "KEYPAIR_UNREADABLE",
      `cannot read the node keypair ${keypair} (${(error as Error).message}); create one with solana-keygen new -o ${keypair} or pass --keypair`,
    );
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new AgentError("KEYPAIR_INVALID", `${keypair} is not a solana-keygen keypair (a JSON array of 64 bytes)`);
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch (error) {
    throw new AgentError("KEYPAIR_INVALID", `${keypair} is not a valid ed25519 keypair: ${(error as Error).message}`);
  }
}

const DECIMAL_RE = /^(0|[1-9][0-9]{0,19})$/;

/** Starts the agent; option errors throw here (AgentError / GpuDetectionError), everything later is an event. */
export function runAgent(options: AgentOptions, hooks: AgentHooks = {}): AgentHandle {
  const keypair = loadKeypair(options.keypair);
  if (!DECIMAL_RE.test(options.priceFloor) || BigInt(options.priceFloor) > 2n ** 64n - 1n) {
    throw new AgentError(
      "PRICE_FLOOR_INVALID",
      `the price floor must be token base units as a decimal integer (e.g. "1000"), got ${JSON.stringify(options.priceFloor)}`,
    );
  }
  const every = options.checkpointEveryEpochs ?? 5;
  if (!Number.isInteger(every) || every < 0)
    throw new AgentError("CHECKPOINT_EVERY_INVALID", `checkpointEveryEpochs must be an integer ≥ 0, got ${every}`);
  const gpu = resolveGpu(options.gpu, options.detectGpu);
  const api = new CoordinatorClient({ url: options.coordinatorUrl, signer: keypair, timeoutMs: options.requestTimeoutMs });
  const agent = new NodeAgent(
    {
      keypair,
      api,
      ipfs: options.ipfs ?? kuboIpfs(options.ipfsApiUrl),
      workDir: options.workDir,
      gpu,
      priceFloor: options.priceFloor,
      checkpointEveryEpochs: every,
      allowCommands: options.allowCommands ?? false,
      commandTimeoutMs: options.commandTimeoutMs ?? 6 * 3_600_000,
      dataset: { maxBytes: options.maxDatasetBytes ?? 1024 ** 3, timeoutMs: options.datasetTimeoutMs ?? 600_000 },
      backoff: options.backoff ?? { initialMs: 500, maxMs: 30_000 },
      defaultBeatMs: 5_000,
      bwrap: options.bwrap,
    },
    hooks,
  );
  const done = agent.run();
  // The caller may never await `done`; its rejection is also the fatal "error" event.
  done.catch(() => undefined);
  return {
    nodeId: agent.nodeId,
    gpu,
    events: agent.events,
    async status() {
      try {
        return await api.getNode(agent.nodeId);
      } catch (error) {
        if (!(error instanceof CoordinatorHttpError && error.status === 404)) throw error;
        throw new AgentError(
          "STATUS_UNAVAILABLE",
          error.code === "NOT_FOUND"
            ? `the coordinator at ${api.url} has no GET /v1/nodes/:id (${error.message}); update it to see the node's status`
            : `the coordinator does not know node ${agent.nodeId} yet (${error.message}); it registers when the agent starts`,
        );
      }
    },
    async stop(reason?: string) {
      agent.stop(reason);
      await done.catch(() => undefined);
    },
    done,
  };
}
