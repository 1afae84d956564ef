/**
 * The node's session with the coordinator: registration, the beat loop (its lease),
 * offers, cancellations and outages. It holds at most one job and knows nothing of
 * how a job runs: a JobHost prepares offers and runs them (lease.ts).
 *
 *   beat loop   POST /v1/nodes/heartbeat every reply.nextBeatInMs: {} when idle,
 *               {jobId} to accept an offer, {jobId, progress} while running.
 *               reply.offer → checked by the host → accepted by the next beat, or refused
 *               reply.cancel naming our job, or 409 NOT_ASSIGNED on a beat naming it
 *               → the job's lease ends (its run aborts), nothing reported
 *               unreachable / 5xx → the job goes on, beats back off exponentially
 *   stop()      no more offers, the job aborted, beating stopped, run() settled
 */
import type { HeartbeatReplyBody } from "@cyxwiz/protocol/api/responses";
import { type CoordinatorClient, CoordinatorHttpError } from "@cyxwiz/lib";
import type { AgentEvent, OfferInfo } from "./events";
import { AgentError, codeOf } from "./errors";
import type { GpuInfo } from "./gpu";
import { describeError, kindOf } from "./kinds";
import type { JobHost, JobLease, PreparedJob, RunOutcome } from "./lease";
import { type CoordinatorOutage, isNotAssigned, isTransient } from "./outage";
import type { AgentOutput } from "./output";

export interface SessionSettings {
  readonly nodeId: string;
  readonly api: CoordinatorClient;
  readonly gpu: GpuInfo;
  readonly priceFloor: string;
  /** Beat interval until the coordinator has said one. */
  readonly defaultBeatMs: number;
}

type Ending = { kind: "cancelled" | "job-lost" | "stopping"; reason: string };

interface HeldJob {
  readonly offer: OfferInfo;
  readonly prepared: PreparedJob;
  readonly controller: AbortController;
  /** accepting: named in beats until the coordinator confirms; running: executing; reported: done. */
  phase: "accepting" | "running" | "reported";
  progress: number | null;
  ending: Ending | null;
  finished: Promise<void>;
}

export class CoordinatorSession {
  private stopping = false;
  private stopReason = "stopped";
  private wakeUp: (() => void) | null = null;
  private current: HeldJob | null = null;
  private readonly refused = new Set<string>();
  /** The beat interval the coordinator last asked for: beats never back off beyond it. */
  private beatIntervalMs: number;

  constructor(
    private readonly settings: SessionSettings,
    private readonly host: JobHost,
    private readonly outage: CoordinatorOutage,
    private readonly output: AgentOutput,
  ) {
    this.beatIntervalMs = settings.defaultBeatMs;
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
          this.output.emit({ type: "error", error: `heartbeat loop: ${describeError(error)}`, code: codeOf(error), fatal: false });
          delay = this.settings.defaultBeatMs;
        }
        await this.sleep(delay);
      }
    } catch (error) {
      this.stopReason = `could not go on: ${describeError(error)}`;
      this.output.emit({ type: "error", error: describeError(error), code: codeOf(error), fatal: true });
      throw error;
    } finally {
      this.stopping = true;
      const job = this.current;
      if (job !== null) {
        this.end(job, { kind: "stopping", reason: this.stopReason });
        await job.finished;
      }
      this.output.emit({ type: "stopped", reason: this.stopReason });
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

  // ---- registration and heartbeats ----

  private async register(): Promise<void> {
    const { gpu, priceFloor } = this.settings;
    const body = { gpuModel: gpu.model, vramGb: gpu.vramGb, gpuCount: gpu.count, priceFloor };
    while (!this.stopping) {
      try {
        const node = (await this.settings.api.registerNode(body)) as Record<string, unknown>;
        this.outage.reachable();
        this.output.emit({ type: "registered", nodeId: this.settings.nodeId, gpu, priceFloor, node });
        return;
      } catch (error) {
        if (!isTransient(error)) {
          const field = error instanceof CoordinatorHttpError && error.field !== undefined ? ` (field ${error.field})` : "";
          throw new AgentError(
            "REGISTRATION_REFUSED",
            `the coordinator refused to register this node as ${gpu.count}× ${gpu.model} ${gpu.vramGb} GB at price floor ${priceFloor}: ${describeError(error)}${field}; fix the declared GPU (a model of the coordinator's catalogue) or the price floor (base units, decimal)`,
          );
        }
        await this.sleep(this.outage.unreachable(error));
      }
    }
  }

  /** One heartbeat and what its answer asks for; returns the wait before the next. */
  private async beat(): Promise<number> {
    const job = this.current;
    const named = job !== null && job.phase !== "reported" && job.ending === null ? job : null;
    const body =
      named === null
        ? {}
        : named.phase === "running" && named.progress !== null
          ? { jobId: named.offer.jobId, progress: named.progress }
          : { jobId: named.offer.jobId };
    let reply: HeartbeatReplyBody;
    try {
      reply = await this.settings.api.heartbeat(body);
    } catch (error) {
      return this.beatFailed(error, named);
    }
    this.outage.reachable();
    const nextBeatInMs =
      typeof reply?.nextBeatInMs === "number" && reply.nextBeatInMs > 0 ? reply.nextBeatInMs : this.settings.defaultBeatMs;
    this.beatIntervalMs = nextBeatInMs;
    this.output.emit({ type: "beat", jobId: named?.offer.jobId ?? null, progress: named?.progress ?? null, nextBeatInMs });

    if (named !== null && named.phase === "accepting" && named.ending === null) {
      named.phase = "running";
      this.output.emit({ type: "accepted", jobId: named.offer.jobId, kind: named.prepared.kind });
      named.finished = this.start(named);
    }
    const cancel = reply?.cancel;
    if (cancel !== null && cancel !== undefined && typeof cancel.jobId === "string") {
      const active = this.current;
      if (active !== null && active.offer.jobId === cancel.jobId && active.phase !== "reported") {
        this.end(active, { kind: "cancelled", reason: typeof cancel.reason === "string" ? cancel.reason : "cancelled by the coordinator" });
      } else {
        this.output.log("debug", `cancel for job ${cancel.jobId}, which this node does not run; nothing to do`);
      }
    }
    const offer = reply?.offer;
    if (offer !== null && offer !== undefined && typeof offer.jobId === "string") {
      if (await this.consider(offer as OfferInfo)) return 0; // accept at once, by naming the job
    }
    return nextBeatInMs;
  }

  private async beatFailed(error: unknown, named: HeldJob | null): Promise<number> {
    // Backed off, but never beyond the coordinator's beat interval: a restarted
    // coordinator judges leases after its start-up grace (one lease, several intervals),
    // and a node whose next try came later would be lost with its job.
    if (isTransient(error)) return this.outage.unreachable(error, this.beatIntervalMs);
    this.outage.reachable();
    if (isNotAssigned(error) && named !== null) {
      if (this.current === named && named.phase !== "reported") {
        this.end(named, {
          kind: "job-lost",
          reason: `the coordinator says job ${named.offer.jobId} is no longer this node's (${describeError(error)})`,
        });
      }
      return 0;
    }
    if (error instanceof CoordinatorHttpError && error.status === 404 && error.code === "UNKNOWN_NODE") {
      this.output.log("warn", "the coordinator does not know this node (its store was reset?); registering again");
      await this.register();
      return 0;
    }
    this.output.emit({ type: "error", error: `heartbeat refused: ${describeError(error)}`, code: codeOf(error), fatal: false });
    return this.outage.backoffMs(2);
  }

  // ---- offers and the job held ----

  /** An offer: accepted (true: beat now naming it) or refused with the reason. */
  private async consider(offer: OfferInfo): Promise<boolean> {
    if (this.current?.offer.jobId === offer.jobId || this.refused.has(offer.jobId)) return false;
    const kind = kindOf(offer.config);
    if (this.stopping || this.current !== null) {
      // Not refused for good: a node finishing its last job is offered the next before it is free.
      this.output.log(
        "debug",
        `offer of job ${offer.jobId} left for now: ${this.stopping ? "the agent is stopping" : `still busy with job ${this.current?.offer.jobId}`}`,
      );
      return false;
    }
    this.output.emit({ type: "offer", offer, kind });
    const prepared = await this.host.prepare(offer);
    if ("refused" in prepared) {
      if (this.refused.size >= 1_000) this.refused.clear();
      this.refused.add(offer.jobId);
      this.output.log("info", `refusing job ${offer.jobId}: ${prepared.refused}`);
      this.output.emit({ type: "offer-refused", jobId: offer.jobId, kind, reason: prepared.refused });
      return false;
    }
    if (this.stopping || this.current !== null) return false;
    this.current = {
      offer,
      prepared,
      controller: new AbortController(),
      phase: "accepting",
      progress: null,
      ending: null,
      finished: Promise.resolve(),
    };
    return true;
  }

  /** Runs a confirmed job through the host; when it ends, the node is free and says so at once. */
  private async start(job: HeldJob): Promise<void> {
    const lease: JobLease = {
      offer: job.offer,
      signal: job.controller.signal,
      progress: (fraction) => {
        job.progress = fraction;
      },
      reported: () => {
        job.phase = "reported";
      },
      lost: (reason) => this.end(job, { kind: "job-lost", reason }),
    };
    const outcome: RunOutcome = await job.prepared.run(lease);
    if (this.current === job) this.current = null;
    const terminal = outcome.aborted ? [this.abortedEvent(job)] : outcome.events;
    for (const event of terminal) if (event !== null) this.output.emit(event);
    // The next beat says at once that the node is free (or takes the next offer).
    this.wake();
  }

  /** Aborts `job` for `ending` (the first ending counts). */
  private end(job: HeldJob, ending: Ending): void {
    if (job.ending !== null) return;
    job.ending = ending;
    job.controller.abort(new AgentError(ending.kind.toUpperCase().replace("-", "_"), ending.reason));
    if (job.phase === "accepting") this.finishAborted(job);
  }

  private finishAborted(job: HeldJob): void {
    if (this.current === job) this.current = null;
    const event = this.abortedEvent(job);
    if (event !== null) this.output.emit(event);
  }

  /** cancelled / job-lost for an aborted job (a stop is only logged). */
  private abortedEvent(job: HeldJob): AgentEvent | null {
    const ending = job.ending;
    if (ending === null || ending.kind === "stopping") {
      this.output.log("info", `job ${job.offer.jobId} aborted: ${ending?.reason ?? "no reason"}`);
      return null;
    }
    return { type: ending.kind, jobId: job.offer.jobId, reason: ending.reason };
  }
}
