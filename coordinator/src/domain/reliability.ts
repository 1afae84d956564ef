/**
 * A node's reliability score, from facts the coordinator observes itself and nothing
 * the node claims. Four parts, each in 0..1:
 *
 *   uptime   = smooth(heartbeats received, heartbeats expected)      received capped at expected
 *   jobs     = smooth(accepted − abandoned, accepted + offers expired)
 *   proofs   = smooth(proofs verified, proofs verified + rejected)
 *   latency  = (n × 250 / (250 + mean latency ms) + k × prior) / (n + k)   n = latency samples
 *
 *   smooth(successes, trials) = (successes + k × prior) / (trials + k)
 *
 * a Beta-prior mean: with no observations a part is exactly `prior` (0.5, neutral), and
 * it moves towards the observed ratio as evidence accumulates; `k` (pseudo-observations
 * per part, config) sets how fast. The score is the weighted sum of the parts with
 * weights summing to 1 (uptime 0.30, jobs 0.25, proofs 0.35, latency 0.10), so a new
 * node scores `prior` and no node is rewarded for its size, only for its record.
 */
import { CoordinatorError } from "./errors";

export interface ReliabilityFacts {
  /** Heartbeats the node owed over the window: see `expectedHeartbeats`. */
  readonly heartbeatsExpected: number;
  readonly heartbeatsReceived: number;
  /** Offers the node accepted. */
  readonly jobsAccepted: number;
  /** Accepted jobs the node then lost (stopped beating, quit) before reporting. */
  readonly jobsAbandoned: number;
  /** Offers the node let expire without answering. */
  readonly offersExpired: number;
  readonly proofsVerified: number;
  readonly proofsRejected: number;
  /** Mean heartbeat latency over the window, ms (send time to receipt). */
  readonly meanHeartbeatLatencyMs: number;
  /** How many heartbeats that mean is over. */
  readonly latencySamples: number;
}

export const NO_FACTS: ReliabilityFacts = {
  heartbeatsExpected: 0,
  heartbeatsReceived: 0,
  jobsAccepted: 0,
  jobsAbandoned: 0,
  offersExpired: 0,
  proofsVerified: 0,
  proofsRejected: 0,
  meanHeartbeatLatencyMs: 0,
  latencySamples: 0,
};

export type ReliabilityPart = "uptime" | "jobs" | "proofs" | "latency";

export interface ReliabilityConfig {
  /** Every part's value before any observation. */
  readonly prior: number;
  /** Pseudo-observations of the prior, per part. */
  readonly priorWeight: Readonly<Record<ReliabilityPart, number>>;
  readonly weights: Readonly<Record<ReliabilityPart, number>>;
  /** The latency at which the latency part's observed value is 0.5. */
  readonly halfScoreLatencyMs: number;
}

export const DEFAULT_RELIABILITY_CONFIG: ReliabilityConfig = {
  prior: 0.5,
  // A minute of 5 s beats; five jobs; five proofs; twenty beats of latency.
  priorWeight: { uptime: 12, jobs: 5, proofs: 5, latency: 20 },
  weights: { uptime: 0.3, jobs: 0.25, proofs: 0.35, latency: 0.1 },
  halfScoreLatencyMs: 250,
};

export interface ReliabilityScore {
  readonly score: number;
  readonly parts: Readonly<Record<ReliabilityPart, number>>;
  readonly weights: Readonly<Record<ReliabilityPart, number>>;
}

export type ReliabilityErrorCode = "INVALID_FACTS" | "INVALID_RELIABILITY_CONFIG";

export class ReliabilityError extends CoordinatorError<ReliabilityErrorCode> {}

const PARTS: readonly ReliabilityPart[] = ["uptime", "jobs", "proofs", "latency"];

/** Heartbeats owed over `windowMs` at one per `intervalMs`. */
export function expectedHeartbeats(windowMs: number, intervalMs: number): number {
  if (!(windowMs >= 0) || !(intervalMs > 0)) {
    throw new ReliabilityError("INVALID_FACTS", `window ${windowMs} ms / interval ${intervalMs} ms is not a count`);
  }
  return Math.floor(windowMs / intervalMs);
}

function checkConfig(config: ReliabilityConfig): void {
  const sum = PARTS.reduce((total, part) => total + config.weights[part], 0);
  const bad =
    !(config.prior >= 0 && config.prior <= 1) ||
    !(config.halfScoreLatencyMs > 0) ||
    PARTS.some((part) => !(config.weights[part] >= 0) || !(config.priorWeight[part] > 0)) ||
    Math.abs(sum - 1) > 1e-9;
  if (bad) {
    throw new ReliabilityError(
      "INVALID_RELIABILITY_CONFIG",
      "prior must be in 0..1, prior weights > 0, halfScoreLatencyMs > 0, and weights ≥ 0 summing to 1",
    );
  }
}

function checkFacts(facts: ReliabilityFacts): void {
  const counts: (keyof ReliabilityFacts)[] = [
    "heartbeatsExpected",
    "heartbeatsReceived",
    "jobsAccepted",
    "jobsAbandoned",
    "offersExpired",
    "proofsVerified",
    "proofsRejected",
    "latencySamples",
  ];
  for (const name of counts) {
    if (!Number.isSafeInteger(facts[name]) || facts[name] < 0) {
      throw new ReliabilityError("INVALID_FACTS", `${name} must be an integer ≥ 0, got ${facts[name]}`);
    }
  }
  if (facts.jobsAbandoned > facts.jobsAccepted) {
    throw new ReliabilityError("INVALID_FACTS", `jobsAbandoned (${facts.jobsAbandoned}) exceeds jobsAccepted (${facts.jobsAccepted})`);
  }
  if (!(facts.meanHeartbeatLatencyMs >= 0) || !Number.isFinite(facts.meanHeartbeatLatencyMs)) {
    throw new ReliabilityError("INVALID_FACTS", `meanHeartbeatLatencyMs must be ≥ 0, got ${facts.meanHeartbeatLatencyMs}`);
  }
}

export function reliabilityScore(facts: ReliabilityFacts, config: ReliabilityConfig = DEFAULT_RELIABILITY_CONFIG): ReliabilityScore {
  checkConfig(config);
  checkFacts(facts);
  const { prior, priorWeight } = config;
  const smooth = (part: ReliabilityPart, successes: number, trials: number): number =>
    (successes + priorWeight[part] * prior) / (trials + priorWeight[part]);

  const latencyObserved = config.halfScoreLatencyMs / (config.halfScoreLatencyMs + facts.meanHeartbeatLatencyMs);
  const parts: Record<ReliabilityPart, number> = {
    uptime: smooth("uptime", Math.min(facts.heartbeatsReceived, facts.heartbeatsExpected), facts.heartbeatsExpected),
    jobs: smooth("jobs", facts.jobsAccepted - facts.jobsAbandoned, facts.jobsAccepted + facts.offersExpired),
    proofs: smooth("proofs", facts.proofsVerified, facts.proofsVerified + facts.proofsRejected),
    latency: smooth("latency", facts.latencySamples * latencyObserved, facts.latencySamples),
  };
  const score = PARTS.reduce((total, part) => total + config.weights[part] * parts[part], 0);
  return { score: Math.min(1, Math.max(0, score)), parts, weights: config.weights };
}
