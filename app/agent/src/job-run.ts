/**
 * Running one accepted job, from the offer to the report; it knows its job only as a
 * lease (lease.ts) and nothing of heartbeats.
 *
 *   job         dataset from IPFS → executor (training) → weights to IPFS → report,
 *               retried through outages until the coordinator answers; a 4xx stops it
 *               a run that fails here (dataset invalid, spec mismatch, command exit ≠ 0,
 *               training threw) is given up with POST /v1/jobs/:id/fail and the reason,
 *               so the coordinator reassigns it at once instead of waiting for a timeout
 *   lease       aborted (cancel, job lost, stop) → the run stops, nothing reported;
 *               either way the job's directory is deleted before the run ends
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { AgentEvent, OfferInfo } from "./events";
import { codeOf } from "./errors";
import { type AgentIpfs, fetchBytes, isTransientIpfsError, sha256Hex } from "./ipfs";
import type { JobReports } from "./job-reports";
import { describeError, type EpochReport, faultOf, type JobContext, type JobExecutor, kindOf } from "./kinds";
import type { JobHost, JobLease, PreparedJob, RunOutcome } from "./lease";
import type { CoordinatorOutage } from "./outage";
import type { AgentOutput } from "./output";
import { pause } from "./pause";

export interface JobRunSettings {
  readonly ipfs: AgentIpfs;
  readonly workDir: string;
  /** Upload and announce a checkpoint every this many epochs; 0: keep them on disk only. */
  readonly checkpointEveryEpochs: number;
  readonly dataset: { readonly maxBytes: number; readonly timeoutMs: number };
}

export class JobRunner implements JobHost {
  private readonly executors: ReadonlyMap<string, JobExecutor>;

  constructor(
    private readonly settings: JobRunSettings,
    executors: readonly JobExecutor[],
    private readonly reports: JobReports,
    private readonly outage: CoordinatorOutage,
    private readonly output: AgentOutput,
  ) {
    this.executors = new Map(executors.map((executor) => [executor.kind, executor]));
  }

  async prepare(offer: OfferInfo): Promise<PreparedJob | { readonly refused: string }> {
    const kind = kindOf(offer.config);
    const executor = kind === null ? undefined : this.executors.get(kind);
    if (executor === undefined) {
      return {
        refused: `the job's config names ${kind === null ? "no kind" : `the kind ${JSON.stringify(kind)}`}; this agent runs ${[...this.executors.keys()].join(" and ")}`,
      };
    }
    const why = await executor.check(offer).catch((error: unknown) => `checking the offer failed: ${describeError(error)}`);
    if (why !== null) return { refused: why };
    return { kind: executor.kind, run: (lease) => this.run(lease, executor) };
  }

  private jobDir(jobId: string): string {
    return join(this.settings.workDir, "jobs", jobId);
  }

  private async run(lease: JobLease, executor: JobExecutor): Promise<RunOutcome> {
    const { offer, signal } = lease;
    const { jobId } = offer;
    const dir = this.jobDir(jobId);
    try {
      await mkdir(dir, { recursive: true });
      const resumeFrom = await readFile(join(dir, "checkpoint.bin")).then(
        (bytes) => new Uint8Array(bytes),
        () => undefined,
      );
      let announcing: Promise<void> = Promise.resolve();
      const context: JobContext = {
        offer,
        dir,
        signal,
        resumeFrom,
        fetchDataset: () => this.fetchDataset(lease),
        fetchOfferedCheckpoint: () => this.fetchOfferedCheckpoint(lease),
        progress: (fraction) => lease.progress(Math.min(1, Math.max(0, fraction))),
        epoch: (report: EpochReport) => this.output.emit({ type: "epoch", jobId, ...pickEpoch(report) }),
        checkpoint: async (bytes, epoch, epochs) => {
          await writeFile(join(dir, "checkpoint.bin.tmp"), bytes);
          await rename(join(dir, "checkpoint.bin.tmp"), join(dir, "checkpoint.bin"));
          const every = this.settings.checkpointEveryEpochs;
          if (every > 0 && epoch % every === 0 && epoch < epochs) {
            // In the background: a slow IPFS or coordinator must not hold the training.
            announcing = announcing.then(() => this.reports.announceCheckpoint(lease, bytes, epoch, epochs));
          }
        },
        log: (message) => this.output.log("info", `job ${jobId}: ${message}`),
      };
      const outcome = await executor.run(context);
      await announcing;
      signal.throwIfAborted();
      const weightsSha256 = sha256Hex(outcome.weights);
      const weightsCid = await this.ipfsRetrying(lease, "uploading the weights", () => this.settings.ipfs.add(outcome.weights, { signal }));
      this.output.emit({ type: "weights-uploaded", jobId, cid: weightsCid, sha256: weightsSha256, bytes: outcome.weights.length });
      const status = await this.reports.report(lease, {
        weightsCid,
        weightsSha256,
        metrics: outcome.metrics,
        ...(offer.jobToken === undefined ? {} : { jobToken: offer.jobToken }),
      });
      lease.reported();
      return { aborted: false, events: [{ type: "reported", jobId, weightsCid, weightsSha256, metrics: outcome.metrics, status }] };
    } catch (error) {
      if (signal.aborted) return { aborted: true };
      const reason = describeError(error);
      const fault = faultOf(error);
      this.output.log("error", `job ${jobId} failed (fault: ${fault}): ${reason}`);
      // Nothing after the report can throw: a run that gets here was not reported.
      const abandoned = await this.reports.giveUp(lease, reason, fault);
      const events: AgentEvent[] = [
        { type: "job-failed", jobId, reason, fault, abandoned },
        { type: "error", error: `job ${jobId}: ${reason}`, code: codeOf(error), jobId, fatal: false },
      ];
      return { aborted: false, events };
    } finally {
      // Before the run ends, so that its terminal events come after the directory is gone.
      await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
        this.output.log("warn", `could not delete ${dir}: ${describeError(error)}`),
      );
    }
  }

  private async fetchDataset(lease: JobLease): Promise<Uint8Array> {
    const cid = lease.offer.datasetCid;
    const bytes = await this.ipfsRetrying(lease, `fetching the dataset ${cid}`, () =>
      fetchBytes(this.settings.ipfs, cid, this.settings.dataset, lease.signal),
    );
    this.output.emit({ type: "dataset-fetched", jobId: lease.offer.jobId, cid, bytes: bytes.length, sha256: sha256Hex(bytes) });
    return bytes;
  }

  /** The offer's resumeFrom: fetched under the dataset limits, sha256 checked; null (reason logged) if unusable. */
  private async fetchOfferedCheckpoint(lease: JobLease): Promise<Uint8Array | null> {
    const offered = lease.offer.resumeFrom;
    if (offered === undefined || offered === null) return null;
    const { jobId } = lease.offer;
    const said = `the offered checkpoint ${offered.cid} (epoch ${offered.epoch}/${offered.epochs})`;
    if (typeof offered.cid !== "string" || typeof offered.sha256 !== "string" || !Number.isSafeInteger(offered.epoch)) {
      this.output.log("warn", `job ${jobId}: the offer's resumeFrom is malformed (${JSON.stringify(offered)}); training from the start`);
      return null;
    }
    try {
      const bytes = await this.ipfsRetrying(lease, `fetching ${said}`, () =>
        fetchBytes(this.settings.ipfs, offered.cid, this.settings.dataset, lease.signal),
      );
      const sha256 = sha256Hex(bytes);
      if (sha256 !== offered.sha256.toLowerCase()) {
        this.output.log("warn", `job ${jobId}: ${said} hashes to ${sha256}, not the offered ${offered.sha256}; training from the start`);
        return null;
      }
      this.output.log("info", `job ${jobId}: resuming from ${said}`);
      return bytes;
    } catch (error) {
      if (lease.signal.aborted) throw error;
      this.output.log("warn", `job ${jobId}: ${said} could not be read (${describeError(error)}); training from the start`);
      return null;
    }
  }

  /** `action` on IPFS, retried with backoff while the daemon is down or slow (5 tries). */
  private async ipfsRetrying<T>(lease: JobLease, what: string, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        if (lease.signal.aborted || !isTransientIpfsError(error) || attempt >= 5) throw error;
        const wait = this.outage.backoffMs(attempt);
        this.output.log("warn", `${what}: ${describeError(error)}; trying again in ${wait} ms`);
        await pause(wait, lease.signal);
      }
    }
  }
}

function pickEpoch(report: EpochReport): EpochReport {
  const { epoch, epochs, loss, accuracy, validationLoss, validationAccuracy, elapsedMs } = report;
  return { epoch, epochs, loss, accuracy, validationLoss, validationAccuracy, elapsedMs };
}
