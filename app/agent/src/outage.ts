/**
 * Talking to a coordinator that may be away: which failures are worth another try,
 * the exponential backoff between tries, and one coordinator-unreachable /
 * coordinator-back pair of events per outage, whoever (beats, report, give-up) met it.
 */
import { CoordinatorHttpError, CoordinatorProtocolError, CoordinatorUnreachableError } from "@cyxwiz/lib";
import { describeError } from "./kinds";
import type { AgentOutput } from "./output";

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The coordinator did not answer usefully: worth trying again later. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof CoordinatorUnreachableError ||
    error instanceof CoordinatorProtocolError ||
    (error instanceof CoordinatorHttpError && (error.status >= 500 || error.status === 429))
  );
}

/** 409 NOT_ASSIGNED: the job named is no longer this node's. */
export function isNotAssigned(error: unknown): boolean {
  return error instanceof CoordinatorHttpError && error.status === 409 && error.code === "NOT_ASSIGNED";
}

export class CoordinatorOutage {
  private outage: { since: number; failures: number } | null = null;

  constructor(
    private readonly backoff: Backoff,
    private readonly output: AgentOutput,
  ) {}

  /** The wait after the `failures`-th failure in a row: initial, doubling, capped. */
  backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  }

  /** Records a failed call to the coordinator; returns how long to wait before the next (at most `capMs`). */
  unreachable(error: unknown, capMs = Number.POSITIVE_INFINITY): number {
    const first = this.outage === null;
    this.outage ??= { since: Date.now(), failures: 0 };
    this.outage.failures += 1;
    const retryInMs = Math.min(capMs, this.backoffMs(this.outage.failures));
    if (first) this.output.emit({ type: "coordinator-unreachable", error: describeError(error), retryInMs });
    else this.output.log("debug", `coordinator still unreachable (${describeError(error)}); next try in ${retryInMs} ms`);
    return retryInMs;
  }

  /** The coordinator answered: ends the outage, if there was one. */
  reachable(): void {
    if (this.outage === null) return;
    const downForMs = Date.now() - this.outage.since;
    this.outage = null;
    this.output.emit({ type: "coordinator-back", downForMs });
  }
}
