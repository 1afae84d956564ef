/**
 * Start-up reconciliation's one store change: taking an offered or running job back
 * from its node because the chain shows the escrow no longer locked to that node.
 * The domain decides the job's next state exactly as for a lost node (running:
 * node-lost, attempt + 1, refund after the last; offered: offer-expired); the history
 * record carries why, in the chain's words. Version-checked like every transition.
 */
import { type JobEvent, type JobStatus, transition, TransitionError } from "../domain/job-state";
import type { JobStore } from "./jobs";
import { lastRecord } from "./job-codec";
import type { Keys } from "./keys";
import { heldJobKeys } from "./leases";
import { retryOnStale, type Stale, STALE } from "./retry";
import { replyString, type Scripts } from "./scripts";

export type TakeBackOutcome =
  | { readonly kind: "taken"; readonly nodeId: string; readonly from: JobStatus; readonly to: JobStatus }
  /** The job is no longer offered to or running on a node: nothing to take back. */
  | { readonly kind: "not-held" };

export class TakeBackStore {
  constructor(
    private readonly keys: Keys,
    private readonly scripts: Scripts,
    private readonly jobs: JobStore,
  ) {}

  /** Takes `jobId` from the node it is offered to or running on; `detail` says why. */
  async takeBack(jobId: string, detail: string, now: number): Promise<TakeBackOutcome> {
    return retryOnStale(`job ${jobId}`, async (): Promise<TakeBackOutcome | Stale> => {
      const job = await this.jobs.get(jobId);
      const nodeId = job?.state.nodeId ?? null;
      if (job === null || nodeId === null || (job.state.status !== "offered" && job.state.status !== "running")) {
        return { kind: "not-held" };
      }
      const event: JobEvent =
        job.state.status === "offered" ? { type: "offer-expired", nodeId, at: now } : { type: "node-lost", nodeId, at: now, detail };
      const next = transition(job.state, event);
      if (next instanceof TransitionError) return { kind: "not-held" };
      // offer-expired carries no detail in the domain; the record still says why.
      const record = { ...(JSON.parse(lastRecord(next)) as Record<string, unknown>), detail };
      const reply = await this.scripts.run("release-held-job", heldJobKeys(this.keys, jobId, nodeId), [
        jobId,
        nodeId,
        job.version,
        now,
        next.status,
        next.attempts,
        JSON.stringify(record),
        "take-back",
      ]);
      if (reply[0] === "OK") return { kind: "taken", nodeId, from: replyString(reply, 1) as JobStatus, to: next.status };
      if (reply[0] !== "STALE") throw new Error(`release-held-job replied ${String(reply[0])}`);
      return STALE;
    });
  }
}
