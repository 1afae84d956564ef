/**
 * What a job run tells the coordinator: its checkpoints (uploaded to IPFS and
 * announced), its result (the report) and, when it cannot finish, that it gives the job
 * back. The report and the give-up are retried through outages; a refusal ends them.
 */
import { type CoordinatorClient, CoordinatorHttpError, CoordinatorProtocolError } from "@cyxwiz/lib";
import { AgentError } from "./errors";
import { type AgentIpfs, sha256Hex } from "./ipfs";
import { describeError } from "./kinds";
import type { JobLease } from "./lease";
import { type CoordinatorOutage, isNotAssigned, isTransient } from "./outage";
import type { AgentOutput } from "./output";
import { pause } from "./pause";

export interface ReportBody {
  readonly weightsCid: string;
  readonly weightsSha256: string;
  readonly metrics: Record<string, number>;
  readonly jobToken?: string;
}

export class JobReports {
  /** Cleared for good once the coordinator shows it has no checkpoint endpoint. */
  private checkpointsAnnounced = true;

  constructor(
    private readonly api: CoordinatorClient,
    private readonly ipfs: AgentIpfs,
    private readonly outage: CoordinatorOutage,
    private readonly output: AgentOutput,
  ) {}

  /** Uploads a checkpoint and announces it where the coordinator takes it; failures are logged, never thrown. */
  async announceCheckpoint(lease: JobLease, bytes: Uint8Array, epoch: number, epochs: number): Promise<void> {
    const { jobId, jobToken, resumeFrom } = lease.offer;
    try {
      const cid = await this.ipfs.add(bytes, { signal: lease.signal });
      const sha256 = sha256Hex(bytes);
      let announced = false;
      // A run offered a resume point is paid only past it, and the coordinator refuses
      // epochs at or below it (CHECKPOINT_BEFORE_RESUME): after a fallback to training
      // from the start, those are not announced.
      const resumeEpoch = resumeFrom?.epoch;
      const beforeResume = typeof resumeEpoch === "number" && epoch <= resumeEpoch;
      if (this.checkpointsAnnounced && !beforeResume) {
        try {
          await this.api.checkpoint(jobId, { epoch, epochs, cid, sha256, ...(jobToken === undefined ? {} : { jobToken }) });
          announced = true;
        } catch (error) {
          if (
            (error instanceof CoordinatorHttpError && error.status === 404 && error.code !== "JOB_NOT_FOUND") ||
            error instanceof CoordinatorProtocolError
          ) {
            this.checkpointsAnnounced = false;
            this.output.log(
              "debug",
              `the coordinator has no checkpoint endpoint (${describeError(error)}); checkpoints are uploaded to IPFS but not announced`,
            );
          } else {
            this.output.log("warn", `announcing checkpoint ${epoch}/${epochs} of job ${jobId} failed: ${describeError(error)}`);
          }
        }
      }
      this.output.emit({ type: "checkpoint-uploaded", jobId, epoch, epochs, cid, sha256, announced });
    } catch (error) {
      if (!lease.signal.aborted)
        this.output.log("warn", `uploading checkpoint ${epoch}/${epochs} of job ${jobId} failed: ${describeError(error)}`);
    }
  }

  /**
   * Tells the coordinator this node cannot finish the job (POST /v1/jobs/:id/fail), so
   * it goes to another node now rather than at its lease or deadline. Retried through
   * outages like the report; true once the coordinator took it back. A refusal (4xx:
   * the job already left this node, or a coordinator without the endpoint) is logged.
   */
  async giveUp(lease: JobLease, reason: string, fault: "node" | "job"): Promise<boolean> {
    const { jobId, jobToken } = lease.offer;
    if (jobToken === undefined) {
      this.output.log("warn", `job ${jobId}: the offer carried no jobToken, so the coordinator cannot be told the job failed`);
      return false;
    }
    const said = reason.trim() === "" ? "the run failed without a message" : reason.trim();
    const body = { jobToken, reason: said.length > 500 ? `${said.slice(0, 499)}…` : said, fault };
    // A stop of the agent aborts the lease too.
    while (!lease.signal.aborted) {
      try {
        await this.api.fail(jobId, body);
        this.outage.reachable();
        this.output.log("info", `job ${jobId} given back to the coordinator (fault: ${fault})`);
        return true;
      } catch (error) {
        if (isTransient(error)) {
          const ok = await pause(this.outage.unreachable(error), lease.signal).then(
            () => true,
            () => false,
          );
          if (!ok) return false;
          continue;
        }
        this.outage.reachable();
        this.output.log("warn", `telling the coordinator that job ${jobId} failed was refused: ${describeError(error)}`);
        return false;
      }
    }
    return false;
  }

  /** Reports until the coordinator takes it: through outages and 5xx; a 4xx ends the job. */
  async report(lease: JobLease, body: ReportBody): Promise<string | null> {
    const { jobId } = lease.offer;
    for (;;) {
      lease.signal.throwIfAborted();
      try {
        const reply = await this.api.report(jobId, body);
        this.outage.reachable();
        return typeof reply?.status === "string" ? reply.status : null;
      } catch (error) {
        if (isTransient(error)) {
          await pause(this.outage.unreachable(error), lease.signal);
          continue;
        }
        if (isNotAssigned(error)) {
          lease.lost(`the report was refused: ${describeError(error)}`);
          throw error;
        }
        throw new AgentError(
          "REPORT_REFUSED",
          `the coordinator refused the report of job ${jobId}: ${describeError(error)}; not retrying (the weights stay on IPFS as ${body.weightsCid})`,
        );
      }
    }
  }
}
