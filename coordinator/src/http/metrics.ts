/**
 * Prometheus metrics on their own registry (several services in one process, as in
 * tests, never collide): request durations by route and status, heartbeats, jobs by
 * state and nodes online (read from Redis at scrape time), and Node's process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import { JOB_STATUSES, JobStatus } from "../domain/job-state";
import { Logger } from "../logger";

export interface MetricsSource {
  jobCounts(): Promise<Partial<Record<JobStatus, number>>>;
  nodesOnline(): Promise<number>;
}

export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly heartbeats: Counter<"outcome">;
  readonly heartbeatLatency: Histogram;

  constructor(source: MetricsSource, log: Logger) {
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
    collectDefaultMetrics({ register: this.registry });
  }
}
