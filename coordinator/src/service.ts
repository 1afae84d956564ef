/**
 * The composition root: builds the coordinator from its config and injected
 * dependencies (Redis, the ports of ports.ts, a clock, health probes) and only
 * composes: the HTTP API (http/), whose routes call the flows (flows/), and the four
 * background loops (loops/), whose ticks call the same flows:
 *
 *   lease watchdog   loops/watchdog.ts      expiry, unlocks, refund and partial hand-overs
 *   dispatcher       loops/dispatcher.ts    matching and offers (flows/dispatch.ts)
 *   verification     loops/verification.ts  proof checks and release hand-overs
 *   checkpoints      loops/checkpoints.ts   checkpoint checks (flows/checkpoint.ts)
 *
 * Every state change is one Lua script, so a crash or a Redis outage at any point
 * leaves each record either before or after a change, never half-way; a reserved offer
 * whose lock never happened expires and the job is unlocked and requeued.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import type { Express } from "express";
import type Redis from "ioredis";

import type { CoordinatorConfig } from "./config";
import { createGpuCatalogue, type GpuCatalogue } from "./domain/gpu";
import { DEFAULT_MATCHER_CONFIG, type MatcherConfig } from "./domain/matcher";
import { DEFAULT_PRICING_CONFIG, type PricingConfig } from "./domain/pricing";
import { createApp } from "./http/app";
import type { ApiContext, HealthProbes } from "./http/context";
import { withFastHeartbeat } from "./http/heartbeat-fast";
import { ApiMetrics } from "./http/metrics";
import { ipfsProbe, redisProbe, rpcProbe } from "./http/probes";
import { schemas } from "./http/schemas";
import type { Logger } from "./logger";
import { checkpointLoop } from "./loops/checkpoints";
import { dispatcherLoop } from "./loops/dispatcher";
import type { Loop } from "./loops/loop";
import { verificationLoop } from "./loops/verification";
import { watchdogLoop } from "./loops/watchdog";
import type { Clock, EscrowActions, EscrowVerifier, ProofChecker } from "./ports";
import { type IpfsReader, KuboIpfs, type MetricEvaluatorRegistry, proofVerifierFor, readLimitsOf, retryPolicyOf } from "./proofs";
import { createStore, type Store } from "./store";

export interface ServiceDeps {
  readonly config: CoordinatorConfig;
  readonly redis: Redis;
  readonly log: Logger;
  readonly escrowVerifier: EscrowVerifier;
  /** The EscrowActions port: lock, unlock and the payouts. */
  readonly settlement: EscrowActions;
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
  readonly verifier?: ProofChecker;
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
  const { config, redis, log } = deps;
  const clock = deps.clock ?? Date.now;
  const store = createStore(redis, config.redis.keyPrefix);
  const catalogue = deps.catalogue ?? createGpuCatalogue();
  const healthTimeoutMs = deps.healthTimeoutMs ?? 2_000;
  const metrics = new ApiMetrics({ jobCounts: () => store.jobs.counts(), nodesOnline: () => store.nodes.onlineCount() }, log);
  const ctx: ApiContext = {
    config,
    store,
    log,
    clock,
    metrics,
    escrowVerifier: deps.escrowVerifier,
    escrowActions: deps.settlement,
    probes: {
      redis: deps.probes?.redis ?? redisProbe(redis, healthTimeoutMs),
      rpc: deps.probes?.rpc ?? rpcProbe(config.rpcUrl, healthTimeoutMs),
      ipfs: deps.probes?.ipfs ?? ipfsProbe(config.ipfs.apiUrl, healthTimeoutMs),
    },
    catalogue,
    pricing: deps.pricing ?? DEFAULT_PRICING_CONFIG,
    matcher: deps.matcher ?? DEFAULT_MATCHER_CONFIG,
    schemas: schemas(catalogue),
    openapi: readFileSync(OPENAPI_PATH, "utf8"),
    idempotencyTtlMs: deps.idempotencyTtlMs ?? DAY_MS,
  };
  const app = createApp(ctx);
  // POST /v1/nodes/heartbeat is answered without express (http/heartbeat-fast.ts).
  const listener = withFastHeartbeat(ctx, app);

  const watchdog = watchdogLoop(ctx);
  const dispatcher = dispatcherLoop(ctx, deps.matchBatch ?? 500);
  const verification = verificationLoop({
    store,
    escrowActions: ctx.escrowActions,
    verifier: metrics.countVerdicts(deps.verifier ?? proofVerifierFor(config, { evaluators: deps.evaluators, clock })),
    log: log.child({ loop: "verification" }),
    clock,
    tickMs: config.verification.tickMs,
    concurrency: config.verification.concurrency,
  });
  const checkpoints = checkpointLoop({
    store,
    log: log.child({ loop: "runs" }),
    clock,
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
