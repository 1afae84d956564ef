/**
 * The matcher: which queued job goes to which free node, in process and in memory.
 *
 * Order. A job's effective priority is its weight (normal 1, high 2, critical 3) plus
 * one level for every `agingStepMs` it has waited:
 *
 *   effective(job, now) = weight + (now − submittedAt) / agingStepMs
 *
 * Comparing two jobs at the same `now`, `now` cancels out, so the order is the order of
 * `urgency = submittedAt − weight × agingStepMs` (smaller first), fixed when a job
 * enters: ageing needs no re-sorting, and a normal job that has waited 2 × agingStepMs
 * longer than a critical one is equal to it and, being older, goes first (FIFO within
 * equal effective priority). Nothing starves: every waiting job's effective priority
 * grows without bound. A job put back in the queue keeps its `submittedAt`.
 *
 * Fit. A node can take a job when it is online and free, its GPU model and class are
 * allowed, its VRAM ≥ `minVramGb`, the job has not excluded it, and its price for the
 * job's hours fits the budget. Choice: the fitting node with the highest score
 * (node-score.ts: reliability, cheapness, the smallest card that fits), ties going to
 * the lower price floor, then the node id. A node takes one job at a time.
 *
 * Speed. Free nodes are indexed per GPU model, cheapest first (node-pool.ts), so a job
 * reads only the models it allows and stops at the first node it cannot afford; in a
 * round, a job whose requirements found nothing lets later jobs with the same
 * requirements and no bigger budget skip the search.
 */
import { CheckedDemand, Explanation, explainAvailability } from "./availability";
import { CoordinatorError } from "./errors";
import { GpuCatalogue } from "./gpu";
import { JobQueue, QueueEntry } from "./job-queue";
import { NodePool, NodeRecord, NodeRegistration, NodeView } from "./node-pool";
import {
  affordablePriceFloor,
  DEFAULT_SCORE_WEIGHTS,
  nodeCost,
  scoreNode,
  ScoreWeights,
  validScoreWeights,
} from "./node-score";
import { isPriority, Priority, PRIORITY_WEIGHT } from "./priority";
import { JobRequirements, normaliseRequirements, NormalisedRequirements } from "./requirements";

export interface MatcherConfig {
  /** A waiting job gains one priority level per this many milliseconds. */
  readonly agingStepMs: number;
  readonly scoreWeights: ScoreWeights;
}

export const DEFAULT_MATCHER_CONFIG: MatcherConfig = {
  agingStepMs: 120_000,
  scoreWeights: DEFAULT_SCORE_WEIGHTS,
};

export type MatcherErrorCode =
  | "INVALID_MATCHER_CONFIG"
  | "INVALID_JOB"
  | "DUPLICATE_JOB"
  | "UNKNOWN_JOB"
  | "JOB_NOT_ASSIGNED";

export class MatcherError extends CoordinatorError<MatcherErrorCode> {}

/** What a job needs and can pay: enough to check a node against it. */
export interface JobDemand {
  readonly requirements: JobRequirements;
  /** What a release pays the node (escrow amount minus the platform fee), base units. */
  readonly maxPrice: bigint;
  /** The job's work in reference micro-GPU-hours (the quote's estimate). */
  readonly gpuMicroHours: bigint;
  /** Nodes that already failed this job. */
  readonly excludedNodes?: readonly string[];
}

export interface JobSubmission extends JobDemand {
  readonly jobId: string;
  readonly priority: Priority;
  /** Unix ms. */
  readonly submittedAt: number;
  readonly attempts?: number;
}

export interface JobView {
  readonly jobId: string;
  readonly priority: Priority;
  readonly submittedAt: number;
  readonly maxPrice: bigint;
  readonly gpuMicroHours: bigint;
  readonly attempts: number;
  readonly excludedNodes: readonly string[];
  readonly state: "queued" | "assigned";
  readonly nodeId: string | null;
}

export interface Assignment {
  readonly jobId: string;
  readonly nodeId: string;
  readonly score: number;
  /** The node's price floor for this job's work, rounded up. */
  readonly nodeCost: bigint;
  readonly effectivePriority: number;
}

/** Why a job went back to the queue: both exclude the node; only losing it costs an attempt. */
export type ReturnReason = "offer-expired" | "node-lost";

interface MatcherJob extends QueueEntry {
  readonly priority: Priority;
  readonly requirements: NormalisedRequirements;
  readonly maxPrice: bigint;
  readonly gpuMicroHours: bigint;
  readonly affordableFloor: bigint;
  readonly affordableApprox: number;
  attempts: number;
  readonly excluded: Set<string>;
  nodeId: string | null;
}

function checkConfig(config: MatcherConfig): MatcherConfig {
  if (!(config.agingStepMs > 0) || !Number.isFinite(config.agingStepMs)) {
    throw new MatcherError("INVALID_MATCHER_CONFIG", `agingStepMs must be > 0, got ${config.agingStepMs}`);
  }
  if (!validScoreWeights(config.scoreWeights)) {
    const { reliability, price, size } = config.scoreWeights;
    throw new MatcherError(
      "INVALID_MATCHER_CONFIG",
      `score weights must be ≥ 0 and sum to 1, got ${reliability}, ${price}, ${size}`,
    );
  }
  return config;
}

export class Matcher {
  private readonly config: MatcherConfig;
  private readonly nodes: NodePool;
  private readonly queue = new JobQueue<MatcherJob>();
  private readonly assigned = new Map<string, MatcherJob>();
  private sequence = 0;

  constructor(catalogue: GpuCatalogue, config: MatcherConfig = DEFAULT_MATCHER_CONFIG) {
    this.config = checkConfig(config);
    this.nodes = new NodePool(catalogue);
  }

  // ---- nodes ----

  /** Registers or updates a node; it is online from now on. */
  registerNode(registration: NodeRegistration): NodeView {
    return this.nodes.register(registration);
  }

  /** A heartbeat after silence: the node can take jobs again (its held job, if any, stays). */
  nodeOnline(nodeId: string): NodeView {
    return this.nodes.view(this.nodes.setConnected(nodeId, true));
  }

  /**
   * The node missed its heartbeats. Its job stays assigned to it until the caller has
   * unlocked the escrow and calls `returnToQueue`; the job id is returned for that.
   */
  nodeOffline(nodeId: string): string | null {
    return this.nodes.setConnected(nodeId, false).jobId;
  }

  setReliability(nodeId: string, reliability: number): void {
    this.nodes.setReliability(nodeId, reliability);
  }

  /** Forgets a node; returns the job it held (still assigned, for `returnToQueue`). */
  removeNode(nodeId: string): string | null {
    return this.nodes.remove(nodeId);
  }

  node(nodeId: string): NodeView | undefined {
    const node = this.nodes.find(nodeId);
    return node === undefined ? undefined : this.nodes.view(node);
  }

  // ---- jobs ----

  enqueue(submission: JobSubmission): JobView {
    if (this.queue.has(submission.jobId) || this.assigned.has(submission.jobId)) {
      throw new MatcherError("DUPLICATE_JOB", `job ${submission.jobId} is already in the matcher`);
    }
    if (submission.jobId.length === 0) throw new MatcherError("INVALID_JOB", "jobId is empty");
    if (!isPriority(submission.priority)) {
      throw new MatcherError("INVALID_JOB", `unknown priority ${JSON.stringify(submission.priority)}`);
    }
    if (!Number.isSafeInteger(submission.submittedAt)) {
      throw new MatcherError("INVALID_JOB", `submittedAt must be unix ms, got ${submission.submittedAt}`);
    }
    const attempts = submission.attempts ?? 0;
    if (!Number.isSafeInteger(attempts) || attempts < 0) {
      throw new MatcherError("INVALID_JOB", `attempts must be an integer ≥ 0, got ${attempts}`);
    }
    const { affordableFloor, requirements } = this.checkDemand(submission);
    const job: MatcherJob = {
      jobId: submission.jobId,
      priority: submission.priority,
      submittedAt: submission.submittedAt,
      urgency: submission.submittedAt - PRIORITY_WEIGHT[submission.priority] * this.config.agingStepMs,
      sequence: this.sequence++,
      requirements,
      maxPrice: submission.maxPrice,
      gpuMicroHours: submission.gpuMicroHours,
      affordableFloor,
      affordableApprox: Number(affordableFloor),
      attempts,
      excluded: new Set(submission.excludedNodes ?? []),
      nodeId: null,
    };
    this.queue.push(job);
    return this.jobView(job);
  }

  /**
   * Puts an assigned job back in the queue, excluding the node that had it and freeing
   * that node if it is still online. `node-lost` also counts an attempt.
   */
  returnToQueue(jobId: string, reason: ReturnReason): JobView {
    const job = this.assigned.get(jobId);
    if (job === undefined) {
      throw new MatcherError(this.queue.has(jobId) ? "JOB_NOT_ASSIGNED" : "UNKNOWN_JOB", `job ${jobId} is not assigned`);
    }
    const nodeId = job.nodeId as string;
    this.assigned.delete(jobId);
    this.nodes.vacate(nodeId, jobId);
    job.excluded.add(nodeId);
    if (reason === "node-lost") job.attempts += 1;
    job.nodeId = null;
    this.queue.push(job);
    return this.jobView(job);
  }

  /**
   * The job leaves the matcher (finished, cancelled, refunded); its node, if it had
   * one and is online, is free again. Returns whether the job was known.
   */
  finish(jobId: string): boolean {
    const job = this.assigned.get(jobId);
    if (job !== undefined) {
      this.assigned.delete(jobId);
      this.nodes.vacate(job.nodeId as string, jobId);
      return true;
    }
    return this.queue.delete(jobId) !== undefined;
  }

  job(jobId: string): JobView | undefined {
    const job = this.assigned.get(jobId) ?? this.queue.get(jobId);
    return job === undefined ? undefined : this.jobView(job);
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  get freeNodes(): number {
    return this.nodes.freeCount;
  }

  effectivePriority(job: Pick<JobView, "priority" | "submittedAt">, now: number): number {
    return PRIORITY_WEIGHT[job.priority] + Math.max(0, now - job.submittedAt) / this.config.agingStepMs;
  }

  // ---- matching ----

  /** Assigns queued jobs to free nodes, most urgent job first, until either runs out. */
  nextAssignments(now: number): Assignment[] {
    const assignments: Assignment[] = [];
    if (this.nodes.freeCount === 0 || this.queue.size === 0) return assignments;
    // Free nodes only get fewer during a round, so a job whose requirements found no
    // node with some budget finds none with a smaller one either (exclusions only remove
    // more). Only jobs without exclusions may record a failure here.
    const unmatched = new Map<string, bigint>();
    for (const job of this.queue.ordered()) {
      if (this.nodes.freeCount === 0) break;
      if (!this.queue.isLive(job)) continue;
      const failedBudget = unmatched.get(job.requirements.key);
      if (failedBudget !== undefined && job.affordableFloor <= failedBudget) continue;
      const best = this.bestFreeNode(job);
      if (best === null) {
        // Reaching here means the budget beats any recorded failure, so it replaces it.
        if (job.excluded.size === 0) unmatched.set(job.requirements.key, job.affordableFloor);
        continue;
      }
      this.queue.delete(job.jobId);
      this.nodes.occupy(best.node, job.jobId);
      job.nodeId = best.node.nodeId;
      this.assigned.set(job.jobId, job);
      assignments.push({
        jobId: job.jobId,
        nodeId: best.node.nodeId,
        score: best.score,
        nodeCost: nodeCost(best.node.priceFloor, job.gpuMicroHours),
        effectivePriority: this.effectivePriority(job, now),
      });
    }
    return assignments;
  }

  private bestFreeNode(job: MatcherJob): { node: NodeRecord; score: number } | null {
    const requirements = job.requirements;
    let bestNode: NodeRecord | null = null;
    let bestScore = -Infinity;
    const models = requirements.gpuModels ?? this.nodes.freeModels();
    for (const model of models) {
      const bucket = this.nodes.freeOfModel(model);
      if (bucket === undefined) continue;
      for (const node of bucket) {
        if (node.priceFloor > job.affordableFloor) break; // cheapest first: the rest cost more
        if (requirements.nodeClasses !== null && !requirements.nodeClasses.has(node.nodeClass)) continue;
        if (node.vramGb < requirements.minVramGb) continue;
        if (job.excluded.has(node.nodeId)) continue;
        const score = scoreNode(node, requirements.minVramGb, job.affordableApprox, this.config.scoreWeights);
        if (score > bestScore || (score === bestScore && bestNode !== null && isCheaper(node, bestNode))) {
          bestNode = node;
          bestScore = score;
        }
      }
    }
    return bestNode === null ? null : { node: bestNode, score: bestScore };
  }

  // ---- explaining ----

  /** Which registered nodes could run a job with this demand, and why the others cannot. Changes nothing. */
  explain(demand: JobDemand, limit = 20): Explanation {
    return explainAvailability(this.nodes.all(), this.checkDemand(demand), this.config.scoreWeights, this.queue.size, limit);
  }

  private checkDemand(demand: JobDemand): CheckedDemand {
    if (demand.maxPrice < 0n) throw new MatcherError("INVALID_JOB", `maxPrice must be ≥ 0, got ${demand.maxPrice}`);
    if (demand.gpuMicroHours <= 0n) {
      throw new MatcherError("INVALID_JOB", `gpuMicroHours must be > 0, got ${demand.gpuMicroHours}`);
    }
    return {
      requirements: normaliseRequirements(demand.requirements),
      affordableFloor: affordablePriceFloor(demand.maxPrice, demand.gpuMicroHours),
      gpuMicroHours: demand.gpuMicroHours,
      excluded: new Set(demand.excludedNodes ?? []),
    };
  }

  private jobView(job: MatcherJob): JobView {
    return {
      jobId: job.jobId,
      priority: job.priority,
      submittedAt: job.submittedAt,
      maxPrice: job.maxPrice,
      gpuMicroHours: job.gpuMicroHours,
      attempts: job.attempts,
      excludedNodes: [...job.excluded],
      state: job.nodeId === null ? "queued" : "assigned",
      nodeId: job.nodeId,
    };
  }
}

function isCheaper(a: NodeRecord, b: NodeRecord): boolean {
  return a.priceFloor < b.priceFloor || (a.priceFloor === b.priceFloor && a.nodeId < b.nodeId);
}
