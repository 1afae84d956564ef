/**
 * Shared set-up of the end-to-end tests (no tests in here): the real coordinator,
 * built exactly as main.ts builds it (connectChain → connectRedis → createCoordinator
 * → start), on the real localnet and redis-server, on an ephemeral port, in a fresh
 * key namespace; and nodes that heartbeat on their own like real ones.
 */
import { randomUUID } from "node:crypto";

import type { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";

import { type Escrow, jobIdToHex } from "@cyxwiz/sdk";
import type { CoordinatorConfig } from "../../src/config";
import { memoryLogger } from "../../src/logger";
import type { MetricEvaluatorRegistry } from "../../src/proofs";
import { connectRedis } from "../../src/store/redis";
import { connectChain, type Coordinator, createCoordinator, type StartReport } from "../../src/wiring";
import type { EscrowSuite, FundedEscrow, TestChain, TestWallet } from "../../../tests/setup";
import {
  call,
  DATASET_CID,
  deleteNamespace,
  type Endpoint,
  heartbeat,
  QUOTE_REQUEST,
  REDIS_URL,
  registerNode,
  type Reply,
  TestClock,
  testConfig,
} from "./api-harness";
import { TEST_TIMING, waitFor } from "./chain-harness";
import { IPFS_API } from "./ipfs-harness";

/** Signs with the wall clock: the coordinator under test runs on real time. */
export class WallClock extends TestClock {
  override readonly now = (): number => Date.now();
}

/** A client's tokens: far more than the quote for QUOTE_REQUEST (about 0.4 CYXWIZ). */
export const CLIENT_BUDGET = 100_000_000n;

/**
 * Short timings: a 1.2 s lease, 100 ms matching ticks, a generous offer deadline (a lock
 * takes ~1 s); proofs checked every 100 ms, transient failures retried after 300 ms,
 * 600 ms, … with the third attempt final.
 */
export const E2E_TIMINGS = {
  heartbeat: { intervalMs: 400, missesBeforeOffline: 3 },
  matching: { tickMs: 100, offerTimeoutMs: 10_000, maxAttempts: 3, defaultMaxDurationSecs: 3_600 },
  verification: { tickMs: 100, concurrency: 4, retryBaseMs: 300, retryMaxMs: 5_000, maxAttempts: 3, evaluationTimeoutMs: 10_000 },
} as const;

export interface RunningCoordinator extends Endpoint {
  readonly coordinator: Coordinator;
  readonly config: CoordinatorConfig;
  readonly started: StartReport;
  readonly log: ReturnType<typeof memoryLogger>;
  /** Stops it; the namespace is deleted unless kept for the next coordinator. */
  close(options?: { keepNamespace?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Another coordinator's namespace: this one is its restart. */
  readonly prefix?: string;
  readonly config?: (config: CoordinatorConfig) => CoordinatorConfig;
  /** Metric evaluators by job kind for the proof check. */
  readonly evaluators?: MetricEvaluatorRegistry;
}

/** The coordinator's config for `chain`: the migration's coordinator key, short timings, port 0. */
export function e2eConfig(chain: TestChain, prefix: string): CoordinatorConfig {
  return {
    ...testConfig(prefix, REDIS_URL),
    ...E2E_TIMINGS,
    ipfs: { apiUrl: IPFS_API, fetchTimeoutMs: 5_000, maxProofBytes: 8 * 1024 * 1024 },
    rpcUrl: chain.connection.rpcEndpoint,
    coordinatorKeypairPath: chain.manifest.keyFiles.coordinator,
  };
}

export async function startCoordinator(chain: TestChain, options: StartOptions = {}): Promise<RunningCoordinator> {
  const prefix = options.prefix ?? `cyx-e2e:${randomUUID()}:`;
  const config = (options.config ?? ((c) => c))(e2eConfig(chain, prefix));
  const log = memoryLogger();
  const chainContext = await connectChain(config);
  const redis = await connectRedis(config.redis, log);
  const coordinator = createCoordinator({
    config,
    redis,
    log,
    chain: chainContext,
    settlementTiming: TEST_TIMING,
    evaluators: options.evaluators,
  });
  const started = await coordinator.start();
  return {
    url: `http://127.0.0.1:${started.address.port}`,
    clock: new WallClock(),
    coordinator,
    config,
    started,
    log,
    async close(closeOptions = {}) {
      await coordinator.close();
      if (!closeOptions.keepNamespace && redis.status === "ready") await deleteNamespace(redis, prefix);
      redis.disconnect();
    },
  };
}

export interface Offer {
  readonly jobId: string;
  readonly escrow: string;
  /** The job-scoped token its report and checkpoints carry. */
  readonly jobToken: string;
}

/**
 * A node's heartbeat loop: beats every `everyMs`, accepts the first offer it is given
 * by naming the job in its next beat (what a real node does), and keeps naming it.
 */
export class BeatingNode {
  jobId: string | null = null;
  readonly offers: Offer[] = [];
  readonly replies: Reply[] = [];
  readonly failures: unknown[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly api: Endpoint,
    readonly keypair: Keypair,
    /** Called with each offer before it is accepted: what the node sees at that moment. */
    private readonly onOffer: (offer: Offer) => Promise<void> = async () => undefined,
    private readonly everyMs = 150,
  ) {}

  get wallet(): string {
    return this.keypair.publicKey.toBase58();
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops beating (the node vanished); resolves after the beat in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const reply = await heartbeat(this.api, this.keypair, this.jobId === null ? {} : { jobId: this.jobId });
        this.replies.push(reply);
        const offer = reply.body.offer as Offer | null | undefined;
        if (offer !== null && offer !== undefined && this.jobId === null) {
          this.offers.push(offer);
          await this.onOffer(offer);
          this.jobId = offer.jobId;
        }
      } catch (error) {
        // A node keeps beating through a failed request, as a real one would.
        this.failures.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }
}

/** Registers `wallet` as a node and keeps it beating; `nodes` collects it for stopping. */
export async function onlineNode(
  api: Endpoint,
  wallet: TestWallet,
  nodes: BeatingNode[],
  onOffer?: (offer: Offer) => Promise<void>,
): Promise<BeatingNode> {
  const registered = await registerNode(api, wallet.keypair);
  expect(registered.status, registered.text).to.be.oneOf([200, 201]);
  const node = new BeatingNode(api, wallet.keypair, onOffer);
  nodes.push(node);
  node.start();
  return node;
}

export async function quoteFor(api: Endpoint, client: TestWallet): Promise<{ quoteId: string; amount: bigint }> {
  const quote = await call(api, "POST", "/v1/quotes", { signer: client.keypair, body: QUOTE_REQUEST });
  expect(quote.status, quote.text).to.equal(201);
  return { quoteId: quote.body.quoteId as string, amount: BigInt(quote.body.amount as string) };
}

/** The job config submitted unless a test gives its own (it names no kind). */
export const DEFAULT_JOB_CONFIG: Readonly<Record<string, unknown>> = { lr: 0.001 };

export function submitJob(
  api: Endpoint,
  client: TestWallet,
  quoteId: string,
  funded: FundedEscrow,
  key: string,
  config: Readonly<Record<string, unknown>> = DEFAULT_JOB_CONFIG,
  datasetCid: string = DATASET_CID,
): Promise<Reply> {
  return call(api, "POST", "/v1/jobs", {
    signer: client.keypair,
    headers: { "idempotency-key": key },
    body: { quoteId, jobId: jobIdToHex(funded.jobId), escrow: funded.escrow.toBase58(), datasetCid, config },
  });
}

export async function jobView(api: Endpoint, client: TestWallet, jobId: string): Promise<Record<string, unknown>> {
  return (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client.keypair })).body;
}

export function jobWhen(api: Endpoint, client: TestWallet, jobId: string, status: string): Promise<Record<string, unknown>> {
  return waitFor(`job ${status}`, async () => {
    const view = await jobView(api, client, jobId);
    return view.status === status ? view : null;
  });
}

/** Polls the escrow with the SDK until `accept` holds. */
export function escrowWhen(chain: TestChain, address: PublicKey, what: string, accept: (escrow: Escrow) => boolean): Promise<Escrow> {
  return waitFor(what, async () => {
    const escrow = await chain.client.fetchEscrow(address);
    return escrow !== null && accept(escrow) ? escrow : null;
  });
}

export interface RunningJob {
  readonly funded: FundedEscrow;
  readonly jobId: string;
  readonly amount: bigint;
  readonly node: BeatingNode;
  /** The token of the offer the node accepted. */
  readonly jobToken: string;
}

/**
 * The happy path up to "running": `nodeWallet` comes online, `client` quotes, funds the
 * escrow with the SDK for the quoted amount and submits; the escrow gets Locked to the
 * node on chain and the node accepts by heartbeat.
 */
export async function runningJob(
  api: Endpoint,
  suite: EscrowSuite,
  client: TestWallet,
  nodeWallet: TestWallet,
  nodes: BeatingNode[],
  config: Readonly<Record<string, unknown>> = DEFAULT_JOB_CONFIG,
  /** A dataset really on IPFS, for jobs whose evaluator reads it. */
  datasetCid: string = DATASET_CID,
): Promise<RunningJob> {
  const node = await onlineNode(api, nodeWallet, nodes);
  const { quoteId, amount } = await quoteFor(api, client);
  const funded = await suite.createEscrow(client, amount);
  const jobId = jobIdToHex(funded.jobId);
  const submitted = await submitJob(api, client, quoteId, funded, `e2e-${jobId.slice(0, 16)}`, config, datasetCid);
  expect(submitted.status, submitted.text).to.equal(201);
  await escrowWhen(
    suite.chain,
    funded.escrow,
    "the escrow locked to the node",
    (escrow) => escrow.payee?.equals(nodeWallet.publicKey) === true,
  );
  await jobWhen(api, client, jobId, "running");
  const offer = node.offers.find((seen) => seen.jobId === jobId);
  if (offer === undefined) throw new Error(`node ${node.wallet} runs job ${jobId} without having seen its offer`);
  return { funded, jobId, amount, node, jobToken: offer.jobToken };
}
