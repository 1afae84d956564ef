/**
 * The node agent: registers the node, heartbeats, accepts offers of the kinds it can
 * run, runs them, uploads the result to IPFS and reports it. Put together from
 *
 *   session.ts      the coordinator session: registration, beats (the lease), offers,
 *                   cancellations; holds at most one job
 *   job-run.ts      one job from offer to report: dataset, executor, checkpoints, weights
 *   job-reports.ts  the job run's calls to the coordinator: checkpoint, report, give-up
 *   lease.ts        the small contract between the two (neither imports the other)
 *   outage.ts       backoff and coordinator-unreachable/-back, shared by both
 *
 *   stop()      no more offers, the job aborted, beating stopped, `done` resolved
 */
import type { Keypair } from "@solana/web3.js";

import type { CoordinatorClient } from "@cyxwiz/lib";
import { CommandExecutor } from "./command";
import type { AgentHooks } from "./events";
import type { GpuInfo } from "./gpu";
import type { AgentIpfs } from "./ipfs";
import { JobReports } from "./job-reports";
import { JobRunner } from "./job-run";
import { MlpClassifierExecutor } from "./mlp";
import { type Backoff, CoordinatorOutage } from "./outage";
import { AgentOutput } from "./output";
import { CoordinatorSession } from "./session";

export { AgentError } from "./errors";

export interface AgentSettings {
  readonly keypair: Keypair;
  readonly api: CoordinatorClient;
  readonly ipfs: AgentIpfs;
  readonly workDir: string;
  readonly gpu: GpuInfo;
  readonly priceFloor: string;
  /** Upload and announce a checkpoint every this many epochs; 0: keep them on disk only. */
  readonly checkpointEveryEpochs: number;
  readonly allowCommands: boolean;
  readonly commandTimeoutMs: number;
  readonly dataset: { readonly maxBytes: number; readonly timeoutMs: number };
  /** Backoff of beats and reports while the coordinator is unreachable: initial, doubling, capped. */
  readonly backoff: Backoff;
  /** Beat interval until the coordinator has said one. */
  readonly defaultBeatMs: number;
  readonly bwrap?: string;
}

export class NodeAgent {
  readonly nodeId: string;
  private readonly output: AgentOutput;
  private readonly session: CoordinatorSession;

  constructor(settings: AgentSettings, hooks: AgentHooks = {}) {
    this.nodeId = settings.keypair.publicKey.toBase58();
    this.output = new AgentOutput(hooks);
    const outage = new CoordinatorOutage(settings.backoff, this.output);
    const executors = [new MlpClassifierExecutor(), new CommandExecutor(settings.allowCommands, settings.commandTimeoutMs, settings.bwrap)];
    const reports = new JobReports(settings.api, settings.ipfs, outage, this.output);
    const jobs = new JobRunner(settings, executors, reports, outage, this.output);
    const { api, gpu, priceFloor, defaultBeatMs } = settings;
    this.session = new CoordinatorSession({ nodeId: this.nodeId, api, gpu, priceFloor, defaultBeatMs }, jobs, outage, this.output);
  }

  /** Every AgentEvent as "event" (the same as hooks.onEvent). */
  get events(): AgentOutput["events"] {
    return this.output.events;
  }

  /** Registers, then beats until stop(); rejects only when the agent cannot go on (registration refused). */
  run(): Promise<void> {
    return this.session.run();
  }

  /** Stop accepting, abort the current job, stop beating. */
  stop(reason?: string): void {
    this.session.stop(reason);
  }
}
