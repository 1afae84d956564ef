/**
 * Prometheus metrics on their own registry (several services in one process, as in
 * tests, never collide): request durations by route and status, heartbeats, jobs by
 * state and nodes online (read from Redis at scrape time), proof verdicts by outcome
 * and reason, and Node's process metrics. Once the read side is attached
 * (`attachLedger`): jobs submitted, settlements by action and outcome, and the tokens
 * held in escrow, read at scrape time from the records the money scripts write with
 * each change (store/ledger.ts), so they count every coordinator process sharing the
 * store and survive restarts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import { JOB_STATUSES, type JobStatus } from "../domain/job-state";
import type { ProofVerdict } from "../domain/proof-verdict";
import type { Logger } from "../logger";

export interface MetricsSource {
  jobCounts(): Promise<Partial<Record<JobStatus, number>>>;
  nodesOnline(): Promise<number>;
}

/** The read side's records the money metrics are read from (store/ledger.ts's LedgerStore). */
export interface LedgerMetricsSource {
  jobCounts(): Promise<Partial<Record<JobStatus, number>>>;
  settlementCounts(): Promise<Record<string, number>>;
  escrowHeld(): Promise<{ readonly held: bigint }>;
}

/** What a proof check looks like to the counter (ports.ts's ProofChecker). */
export interface VerdictSource<Subject> {
  verify(subject: Subject, attempt: number): Promise<ProofVerdict>;
}

export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly heartbeats: Counter<"outcome">;
  readonly heartbeatLatency: Histogram;
  readonly proofVerdicts: Counter<"outcome" | "reason">;
  private ledgerAttached = false;

  constructor(
    source: MetricsSource,
    private readonly log: Logger,
  ) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: "cyxwiz_http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.heartbeats = new Counter({
      name: "cyxwiz_heartbeats_total",
      help: "Node heartbeats received, by outcome (ok, unknown-node, not-assigned)",
      labelNames: ["outcome"],
      registers,
    });
    this.heartbeatLatency = new Histogram({
      name: "cyxwiz_heartbeat_latency_seconds",
      help: "From a heartbeat's signed timestamp to its receipt",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    new Gauge({
      name: "cyxwiz_jobs",
      help: "Jobs by state",
      labelNames: ["state"],
      registers,
      async collect() {
        try {
          const counts = await source.jobCounts();
          for (const state of JOB_STATUSES) this.set({ state }, counts[state] ?? 0);
        } catch (error) {
          log.warn("metrics: job counts unavailable", { error: (error as Error).message });
        }
      },
    });
    new Gauge({
      name: "cyxwiz_nodes_online",
      help: "Nodes holding a heartbeat lease",
      registers,
      async collect() {
        try {
          this.set(await source.nodesOnline());
        } catch (error) {
          log.warn("metrics: online nodes unavailable", { error: (error as Error).message });
        }
      },
    });
    this.proofVerdicts = new Counter({
      name: "cyxwiz_proof_verdicts_total",
      help: "Proof checks by verdict: outcome verified|rejected|retry, reason (none for verified)",
      labelNames: ["outcome", "reason"],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The verifier, counting each verdict it reaches. */
  countVerdicts<Subject>(verifier: VerdictSource<Subject>): VerdictSource<Subject> {
    return {
      verify: async (subject, attempt) => {
        const verdict = await verifier.verify(subject, attempt);
        this.proofVerdicts.inc({ outcome: verdict.outcome, reason: verdict.outcome === "verified" ? "none" : verdict.reason });
        return verdict;
      },
    };
  }

  /** Adds the money metrics, read from `ledger` at scrape time (once; later calls do nothing). */
  attachLedger(ledger: LedgerMetricsSource): void {
    if (this.ledgerAttached) return;
    this.ledgerAttached = true;
    const registers = [this.registry];
    const log = this.log;
    /** Sets a metric from Redis at scrape time; a store outage leaves it out of this scrape. */
    const scraped = <Metric>(what: string, read: (this: Metric) => Promise<void>) =>
      async function (this: Metric): Promise<void> {
        try {
          await read.call(this);
        } catch (error) {
          log.warn(`metrics: ${what} unavailable`, { error: (error as Error).message });
        }
      };
    new Counter({
      name: "cyxwiz_jobs_submitted_total",
      help: "Jobs ever submitted (accepted and stored)",
      registers,
      collect: scraped("job counts", async function (this: Counter) {
        const counts = await ledger.jobCounts();
        this.reset();
        this.inc(Object.values(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0));
      }),
    });
    new Counter({
      name: "cyxwiz_settlements_total",
      help: "Finished money intents by action (lock, unlock, release, refund, settle-partial) and outcome (confirmed, failed)",
      labelNames: ["action", "outcome"],
      registers,
      collect: scraped("settlement counts", async function (this: Counter<"action" | "outcome">) {
        const counts = await ledger.settlementCounts();
        this.reset();
        for (const [key, count] of Object.entries(counts)) {
          const [action, outcome] = key.split(":");
          this.inc({ action, outcome }, count);
        }
      }),
    });
    new Gauge({
      name: "cyxwiz_escrow_held_tokens",
      help: "Token base units held in escrow by jobs not in a final state",
      registers,
      collect: scraped("escrow held", async function (this: Gauge) {
        this.set(Number((await ledger.escrowHeld()).held));
      }),
    });
  }
}
