/**
 * The composition root: builds the coordinator from its config and injected
 * dependencies (Redis, the chain side's ports, the proof verifier, a clock, health
 * probes), and runs its three background loops next to the HTTP API:
 *
 *   lease watchdog   every heartbeat interval: nodes silent for missesBeforeOffline ×
 *                    intervalMs go offline and lose their job (node-lost: attempt + 1,
 *                    refund after the last; offer-expired when not yet accepted); due
 *                    offers expire; jobs waiting for an escrow unlock are unlocked
 *                    through Settlement and return to the queue; refunds are handed to
 *                    Settlement; running jobs past their run deadline time out and
 *                    settle by verified progress, handed to Settlement (loops/runs.ts).
 *   dispatcher       every matching tick: the domain matcher pairs the most urgent
 *                    queued jobs with free online nodes; each pair is reserved in Redis,
 *                    the escrow locked to the node on chain, then the offer published
 *                    for the node's next heartbeat.
 *   verification     every verification tick: reported proofs due for a check are
 *                    verified (proofs/: IPFS fetch, sha256, metric re-evaluation);
 *                    verified → releasing and the release handed to Settlement,
 *                    rejected → refunding, transient failures retried with backoff
 *                    (loops/verification.ts).
 *   checkpoints      every verification tick: running jobs' checkpoints are fetched and
 *                    hash-checked; verified ones set the job's verified progress.
 *
 * Every state change is one Lua script, so a crash or a Redis outage at any point
 * leaves each record either before or after a change, never half-way; a reserved offer
 * whose lock never happened expires and the job is unlocked and requeued.
 */
import { randomBytes } from "crypto";
import { readFileSync } from "fs";
import { createServer, Server } from "http";
import { AddressInfo } from "net";
import { join } from "path";

import { Express } from "express";
import Redis from "ioredis";

import { CoordinatorConfig } from "./config";
import { resumePoint } from "./domain/checkpoints";
import { createGpuCatalogue, GpuCatalogue } from "./domain/gpu";
import { DEFAULT_MATCHER_CONFIG, MatcherConfig, matchRound, QueuedJob } from "./domain/matcher";
import { nodeRecord, NodeRecord } from "./domain/node-pool";
import { DEFAULT_PRICING_CONFIG, PricingConfig } from "./domain/pricing";
import { createApp } from "./http/app";
import { ApiContext, HealthProbes } from "./http/context";
import { withFastHeartbeat } from "./http/heartbeat-fast";
import { toJson } from "./http/json";
import { ApiMetrics } from "./http/metrics";
import { Clock, EscrowRef, EscrowVerifier, Settlement } from "./http/ports";
import { ipfsProbe, redisProbe, rpcProbe } from "./http/probes";
import { schemas } from "./http/schemas";
import { Logger } from "./logger";
import { eachItem, Loop } from "./loops/loop";
import { checkpointLoop, runEnds } from "./loops/runs";
import { verificationLoop, Verifier } from "./loops/verification";
import { IpfsReader, KuboIpfs, MetricEvaluatorRegistry, proofVerifierFor, readLimitsOf, retryPolicyOf } from "./proofs";
import { createStore, Store } from "./store";
import { isStoreUnavailable } from "./store/failures";
import { StoredJob } from "./store/job-codec";
import { nodeReliability } from "./store/node-codec";

export interface ServiceDeps {
  readonly config: CoordinatorConfig;
  readonly redis: Redis;
  readonly log: Logger;
  readonly escrowVerifier: EscrowVerifier;
  readonly settlement: Settlement;
  readonly clock?: Clock;
  /** Defaults: real probes of config.redis, config.rpcUrl and config.ipfs.apiUrl. */
  readonly probes?: Partial<HealthProbes>;
  readonly catalogue?: GpuCatalogue;
  readonly pricing?: PricingConfig;
  readonly matcher?: MatcherConfig;
  readonly healthTimeoutMs?: number;
  readonly idempotencyTtlMs?: number;
  /** Queued jobs the dispatcher considers per tick, most urgent first. */
  readonly matchBatch?: number;
  /** The proof check; default: kubo at config.ipfs.apiUrl with `evaluators`. */
  readonly verifier?: Verifier;
  /** Metric evaluators by job kind, for the default verifier; default: none. */
  readonly evaluators?: MetricEvaluatorRegistry;
  /** Where checkpoints are read; default: kubo at config.ipfs.apiUrl. */
  readonly checkpointIpfs?: IpfsReader;
}

export interface Service {
  readonly app: Express;
  readonly store: Store;
  readonly metrics: ApiMetrics;
  readonly watchdog: Loop;
  readonly dispatcher: Loop;
  readonly verification: Loop;
  readonly checkpoints: Loop;
  /** Listens on config.http (port 0: any free port) and starts the loops unless told not to. */
  start(options?: { loops?: boolean }): Promise<AddressInfo>;
  /** Stops taking connections and loops, and resolves once in-flight requests and ticks are done. */
  close(): Promise<void>;
}

const OPENAPI_PATH = join(__dirname, "..", "openapi.yaml");
const DAY_MS = 24 * 60 * 60 * 1000;

export function createService(deps: ServiceDeps): Service {
  const { config, redis, log, settlement } = deps;
  const clock = deps.clock ?? Date.now;
  const store = createStore(redis, config.redis.keyPrefix);
  const catalogue = deps.catalogue ?? createGpuCatalogue();
  const matcherConfig = deps.matcher ?? DEFAULT_MATCHER_CONFIG;
  const healthTimeoutMs = deps.healthTimeoutMs ?? 2_000;
  const metrics = new ApiMetrics(
    { jobCounts: () => store.jobs.counts(), nodesOnline: () => store.nodes.onlineCount() },
    log,
  );
  const ctx: ApiContext = {
    config,
    store,
    log,
    clock,
    metrics,
    escrowVerifier: deps.escrowVerifier,
    probes: {
      redis: deps.probes?.redis ?? redisProbe(redis, healthTimeoutMs),
      rpc: deps.probes?.rpc ?? rpcProbe(config.rpcUrl, healthTimeoutMs),
      ipfs: deps.probes?.ipfs ?? ipfsProbe(config.ipfs.apiUrl, healthTimeoutMs),
    },
    catalogue,
    pricing: deps.pricing ?? DEFAULT_PRICING_CONFIG,
    matcher: matcherConfig,
    schemas: schemas(catalogue),
    openapi: readFileSync(OPENAPI_PATH, "utf8"),
    idempotencyTtlMs: deps.idempotencyTtlMs ?? DAY_MS,
  };
  const app = createApp(ctx);
  // POST /v1/nodes/heartbeat is answered without express (http/heartbeat-fast.ts).
  const listener = withFastHeartbeat(ctx, app);

  const leaseMs = config.heartbeat.intervalMs * config.heartbeat.missesBeforeOffline;
  const ref = (job: StoredJob): EscrowRef => ({ jobId: job.jobId, escrow: job.escrow, payer: job.client });
  // Nodes could not beat while the coordinator was down or its store unreachable:
  // after either, every node gets a full lease (at start-up: heartbeat.startupGraceMs,
  // by default one lease) before the watchdog judges it.
  let graceUntil = clock() + startupGraceMs(config);
  let storeWasDown = false;

  const each = (items: readonly string[], name: "nodeId" | "jobId", work: (item: string) => Promise<void>) => eachItem(log, items, name, work);

  const watchdog = new Loop("lease-watchdog", config.heartbeat.intervalMs, log, async () => {
    const now = clock();
    try {
      if (storeWasDown) {
        await store.nodes.onlineCount();
        storeWasDown = false;
        graceUntil = now + leaseMs;
      }
      if (now >= graceUntil) await expireNodes(now);
      await expireOffers(now);
      await unlockJobs();
      await handOverRefunds();
      await ends.timeOutRuns(now);
      await ends.handOverSettlements();
    } catch (error) {
      if (isStoreUnavailable(error)) storeWasDown = true;
      throw error;
    }
  });

  async function expireNodes(now: number): Promise<void> {
    const cutoff = now - leaseMs;
    await each(await store.nodes.staleLeases(cutoff), "nodeId", async (nodeId) => {
      const expiry = await store.leases.expireNode(nodeId, cutoff, now);
      if (expiry.kind === "expired") log.info("node offline: lease expired", { nodeId, jobId: expiry.jobId, from: expiry.from, to: expiry.to });
    });
  }

  async function expireOffers(now: number): Promise<void> {
    await each(await store.jobs.dueOffers(now), "jobId", async (jobId) => {
      if ((await store.leases.expireOffer(jobId, now)) === "expired") log.info("offer expired", { jobId });
    });
  }

  async function unlockJobs(): Promise<void> {
    await each(await store.jobs.awaitingUnlock(), "jobId", async (jobId) => {
      const job = await store.jobs.get(jobId);
      if (job === null) return;
      // A job that left the queue meanwhile (refunding) needs no unlock: its refund
      // takes the escrow from Locked too, and the two would only conflict on chain.
      if (job.state.status === "queued") await settlement.unlock(ref(job));
      if (await store.leases.unlocked(jobId)) log.info("escrow unlocked; job requeued", { jobId });
    });
  }

  async function handOverRefunds(): Promise<void> {
    await each(await store.jobs.awaitingRefund(), "jobId", async (jobId) => {
      const job = await store.jobs.get(jobId);
      if (job === null) return;
      await settlement.refund(ref(job));
      await store.jobs.refundHandedOver(jobId);
    });
  }

  const dispatcher = new Loop("dispatcher", config.matching.tickMs, log, async () => {
    if ((await store.jobs.queuedCount()) === 0) return;
    const free = (await store.nodes.online()).filter((node) => node.jobId === null);
    if (free.length === 0) return;
    const now = clock();
    const queued = await store.jobs.mostUrgent(deps.matchBatch ?? 500);
    const jobs = new Map(queued.map((job) => [job.jobId, job]));
    const freeNodes: NodeRecord[] = [];
    for (const node of free) {
      try {
        const reliability = nodeReliability(node, now, config.heartbeat.intervalMs).score;
        freeNodes.push(nodeRecord({ ...node, reliability }, catalogue));
      } catch (error) {
        log.warn("node left out of matching", { nodeId: node.nodeId, error: (error as Error).message });
      }
    }
    const round = matchRound({ freeNodes, queuedJobs: queued.map(queuedJob), now, config: matcherConfig });
    for (const { jobId, error } of round.unmatched) {
      if (error !== undefined) log.warn("job left out of matching", { jobId, error: error.message });
    }
    const assignments = round.assignments;
    const offered = await Promise.allSettled(
      assignments.map((assignment) => offer(jobs.get(assignment.jobId) as StoredJob, assignment.nodeId, now)),
    );
    offered.forEach((result, index) => {
      if (result.status === "fulfilled") return;
      if (isStoreUnavailable(result.reason)) throw result.reason;
      log.error("offer failed", { jobId: assignments[index].jobId, nodeId: assignments[index].nodeId, error: result.reason });
    });
  });

  function queuedJob(job: StoredJob): QueuedJob {
    return {
      jobId: job.jobId,
      priority: job.priority,
      submittedAt: job.submittedAt,
      requirements: { minVramGb: job.minVramGb, gpuModels: job.gpuModels },
      maxPrice: job.maxPrice,
      gpuMicroHours: job.gpuMicroHours,
      excludedNodes: job.state.excludedNodes,
      attempts: job.state.attempts,
    };
  }

  async function offer(job: StoredJob, nodeId: string, now: number): Promise<void> {
    const deadline = now + config.matching.offerTimeoutMs;
    const reserved = await store.offers.reserve(job, nodeId, now, deadline);
    if (reserved !== "reserved") return log.debug("offer not reserved", { jobId: job.jobId, nodeId, outcome: reserved });
    try {
      await settlement.lock(ref(job), nodeId);
    } catch (error) {
      return log.error("escrow lock failed; the offer will expire and the job be requeued", { jobId: job.jobId, nodeId, error });
    }
    // A fresh token per offer: bound to this job, node and attempt, so a report or a
    // checkpoint with the token of an earlier attempt is refused (403 BAD_JOB_TOKEN).
    const jobToken = randomBytes(32).toString("hex");
    // The latest verified checkpoint of an earlier run (none has started for this offer yet).
    const resumeFrom = resumePoint(await store.runs.checkpoints(job.jobId));
    const published = await store.offers.publish(
      job.jobId,
      nodeId,
      toJson({
        jobId: job.jobId,
        escrow: job.escrow,
        datasetCid: job.datasetCid,
        config: JSON.parse(job.config) as unknown,
        payment: job.maxPrice,
        gpuMicroHours: job.gpuMicroHours,
        acceptBy: deadline,
        maxDurationSecs: job.maxDurationSecs,
        jobToken,
        ...(resumeFrom === null ? {} : { resumeFrom }),
      }),
      jobToken,
      resumeFrom?.epoch ?? 0,
    );
    if (published) log.info("job offered", { jobId: job.jobId, nodeId });
  }

  const verification = verificationLoop({
    store,
    settlement,
    verifier: metrics.countVerdicts(deps.verifier ?? proofVerifierFor(config, { evaluators: deps.evaluators, clock })),
    log: log.child({ loop: "verification" }),
    clock,
    tickMs: config.verification.tickMs,
    concurrency: config.verification.concurrency,
    ref,
  });

  const runDeps = { store, settlement, log: log.child({ loop: "runs" }), clock, ref };
  const ends = runEnds(runDeps);
  const checkpoints = checkpointLoop({
    ...runDeps,
    ipfs: deps.checkpointIpfs ?? new KuboIpfs(config.ipfs.apiUrl),
    limits: readLimitsOf(config),
    retry: retryPolicyOf(config),
    tickMs: config.verification.tickMs,
    concurrency: config.verification.concurrency,
  });

  let server: Server | null = null;
  return {
    app,
    store,
    metrics,
    watchdog,
    dispatcher,
    verification,
    checkpoints,
    async start(options = {}) {
      const listening = createServer(listener);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(config.http.port, config.http.host, () => resolve());
      });
      if (options.loops ?? true) {
        watchdog.start();
        dispatcher.start();
        verification.start();
        checkpoints.start();
      }
      return listening.address() as AddressInfo;
    },
    async close() {
      const closing = server;
      server = null;
      const closed =
        closing === null
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => closing.close((error) => (error ? reject(error) : resolve())));
      closing?.closeIdleConnections();
      await Promise.all([watchdog.stop(), dispatcher.stop(), verification.stop(), checkpoints.stop(), closed]);
    },
  };
}

/** How long after start-up no node's lease is judged: the config's, or one lease period. */
export function startupGraceMs(config: CoordinatorConfig): number {
  const { intervalMs, missesBeforeOffline, startupGraceMs: grace } = config.heartbeat;
  return grace === undefined || grace === 0 ? intervalMs * missesBeforeOffline : grace;
}

/** The loop class lived here; kept importable from here. */
export { Loop };
