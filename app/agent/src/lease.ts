/**
 * The contract between the coordinator session (session.ts) and the job run
 * (job-run.ts). The session decides which job the node holds and for how long; the job
 * run does the work. Neither imports the other: the session sees a job as something
 * that can be prepared and run, the run sees its job as a lease it may lose.
 */
import type { AgentEvent, OfferInfo } from "./events";

/** The session's side of an accepted job, as the job run sees it. */
export interface JobLease {
  readonly offer: OfferInfo;
  /** Aborted when the job is cancelled, lost or the agent stops: stop promptly, report nothing. */
  readonly signal: AbortSignal;
  /** Fraction done (0..1), sent with the next beats. */
  progress(fraction: number): void;
  /** The coordinator took the report: the job is no longer named in beats, nor can it be cancelled. */
  reported(): void;
  /** The coordinator says the job is no longer this node's: the lease ends (the signal aborts). */
  lost(reason: string): void;
}

/** How a run ended, once its directory is gone. */
export type RunOutcome =
  /** The lease's signal ended it: the session says why (cancelled, job-lost, a stop). */
  | { readonly aborted: true }
  /** Reported, or failed here: the job's terminal events, in order. */
  | { readonly aborted: false; readonly events: readonly AgentEvent[] };

/** An offer this node can run, ready to start once the coordinator confirms it. */
export interface PreparedJob {
  readonly kind: string;
  /** Runs the job to its end; never rejects. */
  run(lease: JobLease): Promise<RunOutcome>;
}

/** What the session asks of the job side. */
export interface JobHost {
  /** The job to run if this node can run `offer`, else the reason it is refused. */
  prepare(offer: OfferInfo): Promise<PreparedJob | { readonly refused: string }>;
}
