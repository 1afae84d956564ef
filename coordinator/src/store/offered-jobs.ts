/**
 * The jobs this process offered, as the domain left them (offered to a node, at the
 * version the reserve wrote). The beat that accepts an offer is decided by the domain
 * on that snapshot, so it costs no read of the job: the heartbeat script writes the
 * acceptance only if the job is still at that version, and a snapshot found stale (or
 * missing: another process offered the job, or this one restarted) is replaced by a
 * read of the job. A correct answer never depends on what is kept here; only the number
 * of Redis commands does.
 */
import type { JobState } from "../domain/job-state";

export interface JobSnapshot {
  readonly state: JobState;
  readonly version: number;
}

/** Offers are accepted within seconds; this only bounds memory if many never are. */
const MAX_KEPT = 10_000;

export class OfferedJobs {
  private readonly byJob = new Map<string, JobSnapshot>();

  remember(jobId: string, snapshot: JobSnapshot): void {
    this.byJob.delete(jobId);
    this.byJob.set(jobId, snapshot);
    if (this.byJob.size > MAX_KEPT) {
      const oldest = this.byJob.keys().next();
      if (oldest.done !== true) this.byJob.delete(oldest.value);
    }
  }

  /** The snapshot of `jobId` offered to `nodeId`, if this process made it. */
  get(jobId: string, nodeId: string): JobSnapshot | undefined {
    const snapshot = this.byJob.get(jobId);
    return snapshot?.state.nodeId === nodeId ? snapshot : undefined;
  }

  forget(jobId: string): void {
    this.byJob.delete(jobId);
  }
}
