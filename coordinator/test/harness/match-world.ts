/**
 * What the store keeps between matching rounds, modelled in memory for the matcher's
 * tests: registered nodes (online or not, holding a job or not) and the queue in order
 * of entry. `round` hands the free nodes and the queued jobs to the pure `matchRound`
 * and records its assignments as the dispatcher's offers would; `requeue` does what a
 * lost node or an expired offer does to a job (exclude the node; a lost node costs an
 * attempt). The store's own version of that bookkeeping is tested against Redis
 * (test/integration/api-leases.ts, api-node-fail.ts).
 */
import type { GpuCatalogue } from "../../src/domain/gpu";
import {
  type Assignment,
  DEFAULT_MATCHER_CONFIG,
  explain,
  type JobDemand,
  type MatcherConfig,
  type MatchResult,
  matchRound,
  type QueuedJob,
} from "../../src/domain/matcher";
import { type NodeRecord, nodeRecord, type NodeRegistration, type NodeState } from "../../src/domain/node-pool";
import { catalogue as defaultCatalogue } from "./fixtures";

/** A round's assignments as [job, node] pairs. */
export function pairs(assignments: readonly Assignment[]): [string, string][] {
  return assignments.map((assignment) => [assignment.jobId, assignment.nodeId]);
}

interface WorldNode {
  /** Checked once, at registration, as the store's nodes are. */
  record: NodeRecord;
  connected: boolean;
  jobId: string | null;
}

interface WorldJob {
  job: QueuedJob;
  nodeId: string | null;
}

export class MatchWorld {
  private readonly nodes = new Map<string, WorldNode>();
  /** Queued and assigned jobs; a job back in the queue moves to the end (its entry is newest). */
  private readonly jobs = new Map<string, WorldJob>();
  /** The latest round's full result. */
  last: MatchResult = { assignments: [], unmatched: [] };

  constructor(
    private readonly config: MatcherConfig = DEFAULT_MATCHER_CONFIG,
    private readonly catalogue: GpuCatalogue = defaultCatalogue,
  ) {}

  /** Registers or updates a node (throws if it fails its checks); it is online and keeps any job it holds. */
  register(registration: NodeRegistration): NodeRecord {
    const record = nodeRecord(registration, this.catalogue);
    const held = this.nodes.get(registration.nodeId)?.jobId ?? null;
    this.nodes.set(registration.nodeId, { record, connected: true, jobId: held });
    return record;
  }

  setReliability(nodeId: string, reliability: number): void {
    const node = this.known(nodeId);
    node.record = nodeRecord({ ...node.record, reliability }, this.catalogue);
  }

  /** The node goes silent; returns the job it holds (still assigned until `requeue`). */
  offline(nodeId: string): string | null {
    const node = this.known(nodeId);
    node.connected = false;
    return node.jobId;
  }

  online(nodeId: string): void {
    this.known(nodeId).connected = true;
  }

  enqueue(job: QueuedJob): void {
    this.jobs.set(job.jobId, { job, nodeId: null });
  }

  /** The job leaves (finished, cancelled, refunded) and frees its node; whether it was known. */
  finish(jobId: string): boolean {
    const entry = this.jobs.get(jobId);
    if (entry === undefined) return false;
    this.jobs.delete(jobId);
    if (entry.nodeId !== null) this.known(entry.nodeId).jobId = null;
    return true;
  }

  /** An assigned job goes back to the queue, excluding its node; `node-lost` costs an attempt. */
  requeue(jobId: string, reason: "offer-expired" | "node-lost"): QueuedJob {
    const entry = this.jobs.get(jobId);
    if (entry?.nodeId == null) throw new Error(`job ${jobId} is not assigned`);
    this.known(entry.nodeId).jobId = null;
    const job: QueuedJob = {
      ...entry.job,
      excludedNodes: [...(entry.job.excludedNodes ?? []), entry.nodeId],
      attempts: (entry.job.attempts ?? 0) + (reason === "node-lost" ? 1 : 0),
    };
    this.jobs.delete(jobId);
    this.jobs.set(jobId, { job, nodeId: null });
    return job;
  }

  round(now: number): Assignment[] {
    const free = [...this.nodes.values()].filter((node) => node.connected && node.jobId === null);
    const queued = [...this.jobs.values()].filter((entry) => entry.nodeId === null);
    this.last = matchRound({
      freeNodes: free.map((node) => node.record),
      queuedJobs: queued.map((entry) => entry.job),
      now,
      config: this.config,
    });
    for (const assignment of this.last.assignments) {
      this.known(assignment.nodeId).jobId = assignment.jobId;
      (this.jobs.get(assignment.jobId) as WorldJob).nodeId = assignment.nodeId;
    }
    return this.last.assignments;
  }

  explain(demand: JobDemand, limit?: number): ReturnType<typeof explain> {
    const nodes = [...this.nodes.values()].map((node) => ({ ...node.record, connected: node.connected, jobId: node.jobId }));
    return explain({ nodes, demand, queueDepth: this.queueDepth, scoreWeights: this.config.scoreWeights, limit });
  }

  node(nodeId: string): { state: NodeState; jobId: string | null } | undefined {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return undefined;
    return { state: !node.connected ? "offline" : node.jobId === null ? "online" : "busy", jobId: node.jobId };
  }

  job(jobId: string): (QueuedJob & { state: "queued" | "assigned"; nodeId: string | null }) | undefined {
    const entry = this.jobs.get(jobId);
    if (entry === undefined) return undefined;
    return { ...entry.job, state: entry.nodeId === null ? "queued" : "assigned", nodeId: entry.nodeId };
  }

  get queueDepth(): number {
    return [...this.jobs.values()].filter((entry) => entry.nodeId === null).length;
  }

  get freeNodes(): number {
    return [...this.nodes.values()].filter((node) => node.connected && node.jobId === null).length;
  }

  private known(nodeId: string): WorldNode {
    const node = this.nodes.get(nodeId);
    if (node === undefined) throw new Error(`unknown node ${nodeId}`);
    return node;
  }
}
