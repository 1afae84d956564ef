/**
 * Matching as one pure round: given the free nodes and the queued jobs at `now`, which
 * job goes to which node, and why the others got none. Nothing is kept between rounds:
 * the caller reads both sides from its store, hands them in, and records the result.
 *
 * Order. Most urgent job first, by the queue order of priority.ts (weight plus ageing,
 * folded into `urgency`), then first come, first served, then the order handed in.
 *
 * Fit. A node can take a job when its GPU model and class are allowed, its VRAM ≥
 * `minVramGb`, the job has not excluded it, and its price for the job's hours fits the
 * budget. Choice: the fitting node with the highest score (node-score.ts: reliability,
 * cheapness, the smallest card that fits), ties going to the lower price floor, then
 * the node id. A node takes one job per round.
 *
 * Speed. Free nodes are indexed per GPU model, cheapest first (node-pool.ts), so a job
 * reads only the models it allows and stops at the first node it cannot afford; a job
 * whose requirements found nothing lets later jobs with the same requirements and no
 * bigger budget skip the search.
 */
import { type CheckedDemand, type Explanation, explainAvailability } from "./availability";
import { CoordinatorError } from "./errors";
import { FreeNodes, type NodeRecord } from "./node-pool";
import { affordablePriceFloor, DEFAULT_SCORE_WEIGHTS, nodeCost, scoreNode, type ScoreWeights, validScoreWeights } from "./node-score";
import { byQueueOrder, effectivePriority, isPriority, type Priority, type QueueOrdered, queueUrgency } from "./priority";
import { type JobRequirements, normaliseRequirements } from "./requirements";

export interface MatcherConfig {
  /** A waiting job gains one priority level per this many milliseconds. */
  readonly agingStepMs: number;
  readonly scoreWeights: ScoreWeights;
}

export const DEFAULT_MATCHER_CONFIG: MatcherConfig = {
  agingStepMs: 120_000,
  scoreWeights: DEFAULT_SCORE_WEIGHTS,
};

export type MatcherErrorCode = "INVALID_MATCHER_CONFIG" | "INVALID_JOB" | "DUPLICATE_JOB";

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

export interface QueuedJob extends JobDemand {
  readonly jobId: string;
  readonly priority: Priority;
  /** Unix ms. */
  readonly submittedAt: number;
  readonly attempts?: number;
}

export interface Assignment {
  readonly jobId: string;
  readonly nodeId: string;
  readonly score: number;
  /** The node's price floor for this job's work, rounded up. */
  readonly nodeCost: bigint;
  readonly effectivePriority: number;
}

/**
 * Why a queued job got no node this round: it failed its checks (`error` says how),
 * no free node fits it (hardware, budget, exclusions), or the free nodes were all
 * taken by more urgent jobs before its turn.
 */
export type UnmatchedReason = "invalid" | "no-fitting-node" | "no-free-node-left";

export interface Unmatched {
  readonly jobId: string;
  readonly reason: UnmatchedReason;
  readonly error?: Error;
}

export interface MatchInput {
  /**
   * The nodes online and holding no job, each checked once by `nodeRecord` (node-pool.ts:
   * its key check is costly, so it is the caller's, per node, not the round's). A node
   * listed twice counts once, as its last entry.
   */
  readonly freeNodes: readonly NodeRecord[];
  readonly queuedJobs: readonly QueuedJob[];
  readonly now: number;
  readonly config?: MatcherConfig;
}

export interface MatchResult {
  /** In queue order. */
  readonly assignments: Assignment[];
  /** Every other queued job: the invalid ones first, then in queue order. */
  readonly unmatched: Unmatched[];
}

interface RoundJob extends QueueOrdered, CheckedDemand {
  readonly jobId: string;
  readonly priority: Priority;
  readonly affordableApprox: number;
}

function checkConfig(config: MatcherConfig): MatcherConfig {
  if (!(config.agingStepMs > 0) || !Number.isFinite(config.agingStepMs)) {
    throw new MatcherError("INVALID_MATCHER_CONFIG", `agingStepMs must be > 0, got ${config.agingStepMs}`);
  }
  if (!validScoreWeights(config.scoreWeights)) {
    const { reliability, price, size } = config.scoreWeights;
    throw new MatcherError("INVALID_MATCHER_CONFIG", `score weights must be ≥ 0 and sum to 1, got ${reliability}, ${price}, ${size}`);
  }
  return config;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/** A job's demand, checked and normalised; throws MatcherError (INVALID_JOB) or RequirementsError. */
function checkDemand(demand: JobDemand): CheckedDemand {
  if (demand.maxPrice < 0n) throw new MatcherError("INVALID_JOB", `maxPrice must be ≥ 0, got ${demand.maxPrice}`);
  if (demand.gpuMicroHours <= 0n) {
    throw new MatcherError("INVALID_JOB", `gpuMicroHours must be > 0, got ${demand.gpuMicroHours}`);
  }
  const excluded = demand.excludedNodes ?? [];
  return {
    requirements: normaliseRequirements(demand.requirements),
    affordableFloor: affordablePriceFloor(demand.maxPrice, demand.gpuMicroHours),
    gpuMicroHours: demand.gpuMicroHours,
    excluded: excluded.length === 0 ? NO_EXCLUSIONS : new Set(excluded),
  };
}

function checkJob(job: QueuedJob, sequence: number, agingStepMs: number): RoundJob {
  if (job.jobId.length === 0) throw new MatcherError("INVALID_JOB", "jobId is empty");
  if (!isPriority(job.priority)) throw new MatcherError("INVALID_JOB", `unknown priority ${JSON.stringify(job.priority)}`);
  if (!Number.isSafeInteger(job.submittedAt)) {
    throw new MatcherError("INVALID_JOB", `submittedAt must be unix ms, got ${job.submittedAt}`);
  }
  const attempts = job.attempts ?? 0;
  if (!Number.isSafeInteger(attempts) || attempts < 0) {
    throw new MatcherError("INVALID_JOB", `attempts must be an integer ≥ 0, got ${attempts}`);
  }
  const demand = checkDemand(job);
  // One literal of one shape: the round sorts and scans thousands of these.
  return {
    jobId: job.jobId,
    priority: job.priority,
    submittedAt: job.submittedAt,
    urgency: queueUrgency(job.priority, job.submittedAt, agingStepMs),
    sequence,
    requirements: demand.requirements,
    affordableFloor: demand.affordableFloor,
    affordableApprox: Number(demand.affordableFloor),
    gpuMicroHours: demand.gpuMicroHours,
    excluded: demand.excluded,
  };
}

/** One matching round: the most urgent jobs get the best fitting free nodes, one job per node. */
export function matchRound(input: MatchInput): MatchResult {
  const config = checkConfig(input.config ?? DEFAULT_MATCHER_CONFIG);
  const records = new Map<string, NodeRecord>();
  for (const node of input.freeNodes) records.set(node.nodeId, node);
  const unmatched: Unmatched[] = [];
  const seen = new Set<string>();
  const jobs: RoundJob[] = [];
  input.queuedJobs.forEach((job, sequence) => {
    try {
      if (seen.has(job.jobId)) throw new MatcherError("DUPLICATE_JOB", `job ${job.jobId} is queued twice`);
      seen.add(job.jobId);
      jobs.push(checkJob(job, sequence, config.agingStepMs));
    } catch (error) {
      unmatched.push({ jobId: job.jobId, reason: "invalid", error: error as Error });
    }
  });
  jobs.sort(byQueueOrder);

  const free = new FreeNodes(records.values());
  const assignments: Assignment[] = [];
  // Free nodes only get fewer during a round, so a job whose requirements found no
  // node with some budget finds none with a smaller one either (exclusions only remove
  // more). Only jobs without exclusions may record a failure here.
  const failedBudget = new Map<string, bigint>();
  for (const job of jobs) {
    if (free.size === 0) {
      unmatched.push({ jobId: job.jobId, reason: "no-free-node-left" });
      continue;
    }
    const failed = failedBudget.get(job.requirements.key);
    const skip = failed !== undefined && job.affordableFloor <= failed;
    const best = skip ? null : bestFreeNode(free, job, config.scoreWeights);
    if (best === null) {
      // A search that ran had a budget beating any recorded failure, so it replaces it.
      if (!skip && job.excluded.size === 0) failedBudget.set(job.requirements.key, job.affordableFloor);
      unmatched.push({ jobId: job.jobId, reason: "no-fitting-node" });
      continue;
    }
    free.take(best.node);
    assignments.push({
      jobId: job.jobId,
      nodeId: best.node.nodeId,
      score: best.score,
      nodeCost: nodeCost(best.node.priceFloor, job.gpuMicroHours),
      effectivePriority: effectivePriority(job.priority, job.submittedAt, input.now, config.agingStepMs),
    });
  }
  return { assignments, unmatched };
}

function bestFreeNode(free: FreeNodes, job: RoundJob, weights: ScoreWeights): { node: NodeRecord; score: number } | null {
  const requirements = job.requirements;
  let bestNode: NodeRecord | null = null;
  let bestScore = -Infinity;
  const models = requirements.gpuModels ?? free.models();
  for (const model of models) {
    const bucket = free.ofModel(model);
    if (bucket === undefined) continue;
    for (const node of bucket) {
      if (node.priceFloor > job.affordableFloor) break; // cheapest first: the rest cost more
      if (requirements.nodeClasses !== null && !requirements.nodeClasses.has(node.nodeClass)) continue;
      if (node.vramGb < requirements.minVramGb) continue;
      if (job.excluded.has(node.nodeId)) continue;
      const score = scoreNode(node, requirements.minVramGb, job.affordableApprox, weights);
      if (score > bestScore || (score === bestScore && bestNode !== null && isCheaper(node, bestNode))) {
        bestNode = node;
        bestScore = score;
      }
    }
  }
  return bestNode === null ? null : { node: bestNode, score: bestScore };
}

function isCheaper(a: NodeRecord, b: NodeRecord): boolean {
  return a.priceFloor < b.priceFloor || (a.priceFloor === b.priceFloor && a.nodeId < b.nodeId);
}

export interface ExplainInput {
  /** Every registered node, in any state. */
  readonly nodes: Iterable<NodeRecord>;
  readonly demand: JobDemand;
  readonly queueDepth: number;
  readonly scoreWeights: ScoreWeights;
  /** How many candidates to list (default 20). */
  readonly limit?: number;
}

/** Which registered nodes could run a job with this demand, and why the others cannot (availability.ts). */
export function explain(input: ExplainInput): Explanation {
  const { nodes, demand, scoreWeights, queueDepth, limit = 20 } = input;
  return explainAvailability(nodes, checkDemand(demand), scoreWeights, queueDepth, limit);
}
