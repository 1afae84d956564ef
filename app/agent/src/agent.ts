/**
 * The node agent: registers the node, heartbeats, accepts offers of the kinds it can
 * run, runs them, uploads the result to IPFS and reports it.
 *
 *   beat loop   POST /v1/nodes/heartbeat every reply.nextBeatInMs: {} when idle,
 *               {jobId} to accept an offer, {jobId, progress} while running.
 *               reply.offer → checked (kind, spec) → accepted by the next beat, or refused
 *               reply.cancel naming our job, or 409 NOT_ASSIGNED on a beat naming it
 *               → the job is aborted, its directory deleted, nothing reported
 *               unreachable / 5xx → training goes on, beats back off exponentially
 *   job         dataset from IPFS → executor (training) → weights to IPFS → report,
 *               retried through outages until the coordinator answers; a 4xx stops it
 *               a run that fails here (dataset invalid, spec mismatch, command exit ≠ 0,
 *               training threw) is given up with POST /v1/jobs/:id/fail and the reason,
 *               so the coordinator reassigns it at once instead of waiting for a timeout
 *   stop()      no more offers, the job aborted, beating stopped, `done` resolved
 */
import { EventEmitter } from "node:events";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { Keypair } from "@solana/web3.js";

import {
  CoordinatorClient,
  CoordinatorClientError,
  CoordinatorHttpError,
  CoordinatorProtocolError,
  CoordinatorUnreachableError,
  Json,
} from "../../lib/coordinator-client";
import { CommandExecutor } from "./command";
import { AgentEvent, AgentHooks, LogLevel, OfferInfo } from "./events";
import { GpuInfo } from "./gpu";
import { AgentIpfs, fetchBytes, isTransientIpfsError, sha256Hex } from "./ipfs";
import { describeError, EpochReport, faultOf, JobContext, JobExecutor, kindOf } from "./kinds";
import { MlpClassifierExecutor } from "./mlp";

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
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Beat interval until the coordinator has said one. */
  readonly defaultBeatMs: number;
  readonly bwrap?: string;
}

export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

type Ending = { kind: "cancelled" | "job-lost" | "stopping"; reason: string };

interface ActiveJob {
  readonly offer: OfferInfo;
  readonly executor: JobExecutor;
  readonly controller: AbortController;
  /** accepting: named in beats until the coordinator confirms; running: executing; reported: done. */
  phase: "accepting" | "running" | "reported";
  progress: number | null;
  ending: Ending | null;
  finished: Promise<void>;
}

/** The coordinator did not answer usefully: worth trying again later. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof CoordinatorUnreachableError ||
    error instanceof CoordinatorProtocolError ||
    (error instanceof CoordinatorHttpError && (error.status >= 500 || error.status === 429))
  );
}

function isNotAssigned(error: unknown): boolean {
  return error instanceof CoordinatorHttpError && error.status === 409 && error.code === "NOT_ASSIGNED";
}

function codeOf(error: unknown): string {
  if (error instanceof CoordinatorClientError) return error.code;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : "INTERNAL";
}

export class NodeAgent {
  readonly events = new EventEmitter();
  readonly nodeId: string;
  private readonly executors: ReadonlyMap<string, JobExecutor>;
  private stopping = false;
  private stopReason = "stopped";
  private wakeUp: (() => void) | null = null;
  private current: ActiveJob | null = null;
  private readonly refused = new Set<string>();
  private outage: { since: number; failures: number } | null = null;
  private checkpointsAnnounced = true;
  /** The beat interval the coordinator last asked for: beats never back off beyond it. */
  private beatIntervalMs: number;

  constructor(
    private readonly settings: AgentSettings,
    private readonly hooks: AgentHooks = {},
  ) {
    this.nodeId = settings.keypair.publicKey.toBase58();
    this.beatIntervalMs = settings.defaultBeatMs;
    const executors: JobExecutor[] = [new MlpClassifierExecutor(), new CommandExecutor(settings.allowCommands, settings.commandTimeoutMs, settings.bwrap)];
    this.executors = new Map(executors.map((executor) => [executor.kind, executor]));
    // An EventEmitter without an "error" listener throws on emit("error"); events go out as "event" only.
    this.events.setMaxListeners(50);
  }

  // ---- life cycle ----

  /** Registers, then beats until stop(); rejects only when the agent cannot go on (registration refused). */
  async run(): Promise<void> {
    try {
      await this.register();
      while (!this.stopping) {
        let delay: number;
        try {
          delay = await this.beat();
        } catch (error) {
          if (error instanceof AgentError) throw error;
          // beat() handles every answer it expects; anything else is a bug, reported and survived.
          this.emit({ type: "error", error: `heartbeat loop: ${describeError(error)}`, code: codeOf(error), fatal: false });
          delay = this.settings.defaultBeatMs;
        }
        await this.sleep(delay);
      }
    } catch (error) {
      this.stopReason = `could not go on: ${describeError(error)}`;
      this.emit({ type: "error", error: describeError(error), code: codeOf(error), fatal: true });
      throw error;
    } finally {
      this.stopping = true;
      const job = this.current;
      if (job !== null) {
        this.end(job, { kind: "stopping", reason: this.stopReason });
        await job.finished;
      }
      this.emit({ type: "stopped", reason: this.stopReason });
    }
  }

  /** Stop accepting, abort the current job, stop beating. */
  stop(reason = "stopped"): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopReason = reason;
    const job = this.current;
    if (job !== null) this.end(job, { kind: "stopping", reason });
    this.wake();
  }

  // ---- events and logs ----

  private emit(event: AgentEvent): void {
    try {
      this.hooks.onEvent?.(event);
    } catch (error) {
      this.log("error", `the onEvent hook threw on ${event.type}: ${describeError(error)}`);
    }
    try {
      this.events.emit("event", event);
    } catch (error) {
      this.log("error", `an event listener threw on ${event.type}: ${describeError(error)}`);
    }
  }

  private log(level: LogLevel, message: string): void {
    try {
      this.hooks.onLog?.(level, message);
    } catch {
      // A failing logger must not take the agent down; there is nowhere left to say it.
    }
  }

  // ---- waiting ----

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.settings.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  }

  /** Records a failed call to the coordinator; returns how long to wait before the next (at most `capMs`). */
  private unreachable(error: unknown, capMs = Number.POSITIVE_INFINITY): number {
    const first = this.outage === null;
    this.outage ??= { since: Date.now(), failures: 0 };
    this.outage.failures += 1;
    const retryInMs = Math.min(capMs, this.backoffMs(this.outage.failures));
    if (first) this.emit({ type: "coordinator-unreachable", error: describeError(error), retryInMs });
    else this.log("debug", `coordinator still unreachable (${describeError(error)}); next try in ${retryInMs} ms`);
    return retryInMs;
  }

  private reachable(): void {
    if (this.outage === null) return;
    const downForMs = Date.now() - this.outage.since;
    this.outage = null;
    this.emit({ type: "coordinator-back", downForMs });
  }

  // ---- registration and heartbeats ----

  private async register(): Promise<void> {
    const { gpu, priceFloor } = this.settings;
    const body = { gpuModel: gpu.model, vramGb: gpu.vramGb, gpuCount: gpu.count, priceFloor };
    while (!this.stopping) {
      try {
        const node = (await this.settings.api.registerNode(body)) as Record<string, unknown>;
        this.reachable();
        this.emit({ type: "registered", nodeId: this.nodeId, gpu, priceFloor, node });
        return;
      } catch (error) {
        if (!isTransient(error)) {
          const field = error instanceof CoordinatorHttpError && error.field !== undefined ? ` (field ${error.field})` : "";
          throw new AgentError(
            "REGISTRATION_REFUSED",
            `the coordinator refused to register this node as ${gpu.count}× ${gpu.model} ${gpu.vramGb} GB at price floor ${priceFloor}: ${describeError(error)}${field}; fix the declared GPU (a model of the coordinator's catalogue) or the price floor (base units, decimal)`,
          );
        }
        await this.sleep(this.unreachable(error));
      }
    }
  }

  /** One heartbeat and what its answer asks for; returns the wait before the next. */
  private async beat(): Promise<number> {
    const job = this.current;
    const named = job !== null && job.phase !== "reported" && job.ending === null ? job : null;
    const body = named === null ? {} : named.phase === "running" && named.progress !== null ? { jobId: named.offer.jobId, progress: named.progress } : { jobId: named.offer.jobId };
    let reply: Json;
    try {
      reply = await this.settings.api.heartbeat(body);
    } catch (error) {
      return this.beatFailed(error, named);
    }
    this.reachable();
    const nextBeatInMs = typeof reply?.nextBeatInMs === "number" && reply.nextBeatInMs > 0 ? reply.nextBeatInMs : this.settings.defaultBeatMs;
    this.beatIntervalMs = nextBeatInMs;
    this.emit({ type: "beat", jobId: named?.offer.jobId ?? null, progress: named?.progress ?? null, nextBeatInMs });

    if (named !== null && named.phase === "accepting" && named.ending === null) {
      named.phase = "running";
      this.emit({ type: "accepted", jobId: named.offer.jobId, kind: named.executor.kind });
      named.finished = this.execute(named);
    }
    const cancel = reply?.cancel;
    if (cancel !== null && cancel !== undefined && typeof cancel.jobId === "string") {
      const active = this.current;
      if (active !== null && active.offer.jobId === cancel.jobId && active.phase !== "reported") {
        this.end(active, { kind: "cancelled", reason: typeof cancel.reason === "string" ? cancel.reason : "cancelled by the coordinator" });
      } else {
        this.log("debug", `cancel for job ${cancel.jobId}, which this node does not run; nothing to do`);
      }
    }
    const offer = reply?.offer;
    if (offer !== null && offer !== undefined && typeof offer.jobId === "string") {
      if (await this.consider(offer as OfferInfo)) return 0; // accept at once, by naming the job
    }
    return nextBeatInMs;
  }

  private async beatFailed(error: unknown, named: ActiveJob | null): Promise<number> {
    // Backed off, but never beyond the coordinator's beat interval: a restarted
    // coordinator judges leases after its start-up grace (one lease, several intervals),
    // and a node whose next try came later would be lost with its job.
    if (isTransient(error)) return this.unreachable(error, this.beatIntervalMs);
    this.reachable();
    if (isNotAssigned(error) && named !== null) {
      if (this.current === named && named.phase !== "reported") {
        this.end(named, { kind: "job-lost", reason: `the coordinator says job ${named.offer.jobId} is no longer this node's (${describeError(error)})` });
      }
      return 0;
    }
    if (error instanceof CoordinatorHttpError && error.status === 404 && error.code === "UNKNOWN_NODE") {
      this.log("warn", "the coordinator does not know this node (its store was reset?); registering again");
      await this.register();
      return 0;
    }
    this.emit({ type: "error", error: `heartbeat refused: ${describeError(error)}`, code: codeOf(error), fatal: false });
    return this.backoffMs(2);
  }

  /** An offer: accepted (true: beat now naming it) or refused with the reason. */
  private async consider(offer: OfferInfo): Promise<boolean> {
    if (this.current?.offer.jobId === offer.jobId || this.refused.has(offer.jobId)) return false;
    const kind = kindOf(offer.config);
    if (this.stopping || this.current !== null) {
      // Not refused for good: a node finishing its last job is offered the next before it is free.
      this.log("debug", `offer of job ${offer.jobId} left for now: ${this.stopping ? "the agent is stopping" : `still busy with job ${this.current?.offer.jobId}`}`);
      return false;
    }
    this.emit({ type: "offer", offer, kind });
    const refuse = (reason: string): false => {
      if (this.refused.size >= 1_000) this.refused.clear();
      this.refused.add(offer.jobId);
      this.log("info", `refusing job ${offer.jobId}: ${reason}`);
      this.emit({ type: "offer-refused", jobId: offer.jobId, kind, reason });
      return false;
    };
    const executor = kind === null ? undefined : this.executors.get(kind);
    if (executor === undefined) {
      return refuse(`the job's config names ${kind === null ? "no kind" : `the kind ${JSON.stringify(kind)}`}; this agent runs ${[...this.executors.keys()].join(" and ")}`);
    }
    const why = await executor.check(offer).catch((error: unknown) => `checking the offer failed: ${describeError(error)}`);
    if (why !== null) return refuse(why);
    if (this.stopping || this.current !== null) return false;
    this.current = { offer, executor, controller: new AbortController(), phase: "accepting", progress: null, ending: null, finished: Promise.resolve() };
    return true;
  }

  /** Aborts `job` for `ending` (the first ending counts). */
  private end(job: ActiveJob, ending: Ending): void {
    if (job.ending !== null) return;
    job.ending = ending;
    job.controller.abort(new AgentError(ending.kind.toUpperCase().replace("-", "_"), ending.reason));
    if (job.phase === "accepting") this.finishAborted(job);
  }

  private finishAborted(job: ActiveJob): void {
    if (this.current === job) this.current = null;
    const event = this.abortedEvent(job);
    if (event !== null) this.emit(event);
  }

  /** cancelled / job-lost for an aborted job (a stop is only logged). */
  private abortedEvent(job: ActiveJob): AgentEvent | null {
    const ending = job.ending;
    if (ending === null || ending.kind === "stopping") {
      this.log("info", `job ${job.offer.jobId} aborted: ${ending?.reason ?? "no reason"}`);
      return null;
    }
    return { type: ending.kind, jobId: job.offer.jobId, reason: ending.reason };
  }

  // ---- running a job ----

  private jobDir(jobId: string): string {
    return join(this.settings.workDir, "jobs", jobId);
  }

  private async execute(job: ActiveJob): Promise<void> {
    const { jobId } = job.offer;
    const dir = this.jobDir(jobId);
    const signal = job.controller.signal;
    // Emitted once the job's directory is gone and the node is free.
    const terminal: AgentEvent[] = [];
    try {
      await mkdir(dir, { recursive: true });
      const resumeFrom = await readFile(join(dir, "checkpoint.bin")).then((bytes) => new Uint8Array(bytes), () => undefined);
      let announcing: Promise<void> = Promise.resolve();
      const context: JobContext = {
        offer: job.offer,
        dir,
        signal,
        resumeFrom,
        fetchDataset: () => this.fetchDataset(job),
        fetchOfferedCheckpoint: () => this.fetchOfferedCheckpoint(job),
        progress: (fraction) => {
          job.progress = Math.min(1, Math.max(0, fraction));
        },
        epoch: (report: EpochReport) => this.emit({ type: "epoch", jobId, ...pickEpoch(report) }),
        checkpoint: async (bytes, epoch, epochs) => {
          await writeFile(join(dir, "checkpoint.bin.tmp"), bytes);
          await rename(join(dir, "checkpoint.bin.tmp"), join(dir, "checkpoint.bin"));
          const every = this.settings.checkpointEveryEpochs;
          if (every > 0 && epoch % every === 0 && epoch < epochs) {
            // In the background: a slow IPFS or coordinator must not hold the training.
            announcing = announcing.then(() => this.announceCheckpoint(job, bytes, epoch, epochs));
          }
        },
        log: (message) => this.log("info", `job ${jobId}: ${message}`),
      };
      const outcome = await job.executor.run(context);
      await announcing;
      signal.throwIfAborted();
      const weightsSha256 = sha256Hex(outcome.weights);
      const weightsCid = await this.ipfsRetrying(job, "uploading the weights", () => this.settings.ipfs.add(outcome.weights, { signal }));
      this.emit({ type: "weights-uploaded", jobId, cid: weightsCid, sha256: weightsSha256, bytes: outcome.weights.length });
      const status = await this.report(job, { weightsCid, weightsSha256, metrics: outcome.metrics, ...(job.offer.jobToken === undefined ? {} : { jobToken: job.offer.jobToken }) });
      job.phase = "reported";
      terminal.push({ type: "reported", jobId, weightsCid, weightsSha256, metrics: outcome.metrics, status });
    } catch (error) {
      const aborted = signal.aborted ? this.abortedEvent(job) : null;
      if (aborted !== null) terminal.push(aborted);
      if (!signal.aborted) {
        const reason = describeError(error);
        const fault = faultOf(error);
        this.log("error", `job ${jobId} failed (fault: ${fault}): ${reason}`);
        const abandoned = job.phase !== "reported" && (await this.giveUp(job, reason, fault));
        terminal.push({ type: "job-failed", jobId, reason, fault, abandoned }, { type: "error", error: `job ${jobId}: ${reason}`, code: codeOf(error), jobId, fatal: false });
      }
    } finally {
      await rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.log("warn", `could not delete ${dir}: ${describeError(error)}`));
      if (this.current === job) this.current = null;
      for (const event of terminal) this.emit(event);
      // The next beat says at once that the node is free (or takes the next offer).
      this.wake();
    }
  }

  private async fetchDataset(job: ActiveJob): Promise<Uint8Array> {
    const cid = job.offer.datasetCid;
    const bytes = await this.ipfsRetrying(job, `fetching the dataset ${cid}`, () => fetchBytes(this.settings.ipfs, cid, this.settings.dataset, job.controller.signal));
    this.emit({ type: "dataset-fetched", jobId: job.offer.jobId, cid, bytes: bytes.length, sha256: sha256Hex(bytes) });
    return bytes;
  }

  /** The offer's resumeFrom: fetched under the dataset limits, sha256 checked; null (reason logged) if unusable. */
  private async fetchOfferedCheckpoint(job: ActiveJob): Promise<Uint8Array | null> {
    const offered = job.offer.resumeFrom;
    if (offered === undefined || offered === null) return null;
    const { jobId } = job.offer;
    const said = `the offered checkpoint ${offered.cid} (epoch ${offered.epoch}/${offered.epochs})`;
    if (typeof offered.cid !== "string" || typeof offered.sha256 !== "string" || !Number.isSafeInteger(offered.epoch)) {
      this.log("warn", `job ${jobId}: the offer's resumeFrom is malformed (${JSON.stringify(offered)}); training from the start`);
      return null;
    }
    try {
      const bytes = await this.ipfsRetrying(job, `fetching ${said}`, () => fetchBytes(this.settings.ipfs, offered.cid, this.settings.dataset, job.controller.signal));
      const sha256 = sha256Hex(bytes);
      if (sha256 !== offered.sha256.toLowerCase()) {
        this.log("warn", `job ${jobId}: ${said} hashes to ${sha256}, not the offered ${offered.sha256}; training from the start`);
        return null;
      }
      this.log("info", `job ${jobId}: resuming from ${said}`);
      return bytes;
    } catch (error) {
      if (job.controller.signal.aborted) throw error;
      this.log("warn", `job ${jobId}: ${said} could not be read (${describeError(error)}); training from the start`);
      return null;
    }
  }

  /** `action` on IPFS, retried with backoff while the daemon is down or slow (5 tries). */
  private async ipfsRetrying<T>(job: ActiveJob, what: string, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        if (job.controller.signal.aborted || !isTransientIpfsError(error) || attempt >= 5) throw error;
        const wait = this.backoffMs(attempt);
        this.log("warn", `${what}: ${describeError(error)}; trying again in ${wait} ms`);
        await this.pause(wait, job.controller.signal);
      }
    }
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async announceCheckpoint(job: ActiveJob, bytes: Uint8Array, epoch: number, epochs: number): Promise<void> {
    const { jobId } = job.offer;
    try {
      const cid = await this.settings.ipfs.add(bytes, { signal: job.controller.signal });
      const sha256 = sha256Hex(bytes);
      let announced = false;
      // A run offered a resume point is paid only past it, and the coordinator refuses
      // epochs at or below it (CHECKPOINT_BEFORE_RESUME): after a fallback to training
      // from the start, those are not announced.
      const resumeEpoch = job.offer.resumeFrom?.epoch;
      const beforeResume = typeof resumeEpoch === "number" && epoch <= resumeEpoch;
      if (this.checkpointsAnnounced && !beforeResume) {
        try {
          await this.settings.api.checkpoint(jobId, { epoch, epochs, cid, sha256, ...(job.offer.jobToken === undefined ? {} : { jobToken: job.offer.jobToken }) });
          announced = true;
        } catch (error) {
          if ((error instanceof CoordinatorHttpError && error.status === 404 && error.code !== "JOB_NOT_FOUND") || error instanceof CoordinatorProtocolError) {
            this.checkpointsAnnounced = false;
            this.log("debug", `the coordinator has no checkpoint endpoint (${describeError(error)}); checkpoints are uploaded to IPFS but not announced`);
          } else {
            this.log("warn", `announcing checkpoint ${epoch}/${epochs} of job ${jobId} failed: ${describeError(error)}`);
          }
        }
      }
      this.emit({ type: "checkpoint-uploaded", jobId, epoch, epochs, cid, sha256, announced });
    } catch (error) {
      if (!job.controller.signal.aborted) this.log("warn", `uploading checkpoint ${epoch}/${epochs} of job ${jobId} failed: ${describeError(error)}`);
    }
  }

  /**
   * Tells the coordinator this node cannot finish `job` (POST /v1/jobs/:id/fail), so the
   * job goes to another node now rather than at its lease or deadline. Retried through
   * outages like the report; true once the coordinator took it back. A refusal (4xx:
   * the job already left this node, or a coordinator without the endpoint) is logged.
   */
  private async giveUp(job: ActiveJob, reason: string, fault: "node" | "job"): Promise<boolean> {
    const { jobId, jobToken } = job.offer;
    if (jobToken === undefined) {
      this.log("warn", `job ${jobId}: the offer carried no jobToken, so the coordinator cannot be told the job failed`);
      return false;
    }
    const said = reason.trim() === "" ? "the run failed without a message" : reason.trim();
    const body = { jobToken, reason: said.length > 500 ? `${said.slice(0, 499)}…` : said, fault };
    while (!this.stopping && !job.controller.signal.aborted) {
      try {
        await this.settings.api.fail(jobId, body);
        this.reachable();
        this.log("info", `job ${jobId} given back to the coordinator (fault: ${fault})`);
        return true;
      } catch (error) {
        if (isTransient(error)) {
          const ok = await this.pause(this.unreachable(error), job.controller.signal).then(() => true, () => false);
          if (!ok) return false;
          continue;
        }
        this.reachable();
        this.log("warn", `telling the coordinator that job ${jobId} failed was refused: ${describeError(error)}`);
        return false;
      }
    }
    return false;
  }

  /** Reports until the coordinator takes it: through outages and 5xx; a 4xx ends the job. */
  private async report(job: ActiveJob, body: { weightsCid: string; weightsSha256: string; metrics: Record<string, number>; jobToken?: string }): Promise<string | null> {
    const signal = job.controller.signal;
    for (;;) {
      signal.throwIfAborted();
      try {
        const reply = await this.settings.api.report(job.offer.jobId, body);
        this.reachable();
        return typeof reply?.status === "string" ? reply.status : null;
      } catch (error) {
        if (isTransient(error)) {
          await this.pause(this.unreachable(error), signal);
          continue;
        }
        if (isNotAssigned(error)) {
          this.end(job, { kind: "job-lost", reason: `the report was refused: ${describeError(error)}` });
          throw error;
        }
        throw new AgentError("REPORT_REFUSED", `the coordinator refused the report of job ${job.offer.jobId}: ${describeError(error)}; not retrying (the weights stay on IPFS as ${body.weightsCid})`);
      }
    }
  }
}

function pickEpoch(report: EpochReport): EpochReport {
  const { epoch, epochs, loss, accuracy, validationLoss, validationAccuracy, elapsedMs } = report;
  return { epoch, epochs, loss, accuracy, validationLoss, validationAccuracy, elapsedMs };
}
