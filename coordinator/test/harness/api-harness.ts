/**
 * Shared harness of the API integration tests: a coordinator on a real redis-server
 * ($CYXWIZ_TEST_REDIS_URL) in a fresh key namespace per test, with fakes for the chain
 * ports (escrow verifier, settlement) and for the RPC/IPFS health probes, a clock the
 * test moves, signed HTTP calls, and Redis snapshots to prove "no state change".
 */
import { randomUUID } from "node:crypto";

import { Keypair } from "@solana/web3.js";
import type Redis from "ioredis";

import { signRequest } from "@cyxwiz/protocol/signed-request";
import { type CoordinatorConfig, DEFAULT_CONFIG } from "../../src/config";
import type { EscrowActions, EscrowCheck, EscrowRef, EscrowVerdict, EscrowVerifier } from "../../src/ports";
import { memoryLogger } from "../../src/logger";
import { createService, type Service } from "../../src/service";
import { connectRedis } from "../../src/store/redis";

export const REDIS_URL = process.env.CYXWIZ_TEST_REDIS_URL ?? "redis://127.0.0.1:16379";

export class TestClock {
  private at = Date.now();
  readonly now = (): number => this.at;
  advance(ms: number): void {
    this.at += ms;
  }
}

export class FakeEscrowVerifier implements EscrowVerifier {
  readonly calls: EscrowCheck[] = [];
  /** Verdicts by escrow address; unlisted escrows hold exactly the quoted amount. */
  readonly verdicts = new Map<string, EscrowVerdict>();
  delayMs = 0;
  failure: Error | null = null;

  async verify(check: EscrowCheck): Promise<EscrowVerdict> {
    this.calls.push(check);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure !== null) throw this.failure;
    return (
      this.verdicts.get(check.escrow) ?? {
        ok: true,
        escrow: { amount: check.minAmount, feeBps: 1_000, expiresAt: Math.floor(Date.now() / 1000) + 86_400 },
      }
    );
  }
}

export class FakeSettlement implements EscrowActions {
  readonly locks: { ref: EscrowRef; node: string }[] = [];
  readonly unlocks: EscrowRef[] = [];
  readonly refunds: EscrowRef[] = [];
  readonly releases: { ref: EscrowRef; proofHash: string }[] = [];
  readonly partials: { ref: EscrowRef; nodeShareBps: number; proofHash: string }[] = [];
  failure: Error | null = null;

  async lock(ref: EscrowRef, node: string): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.locks.push({ ref, node });
  }

  async unlock(ref: EscrowRef): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.unlocks.push(ref);
  }

  async refund(ref: EscrowRef): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.refunds.push(ref);
  }

  async release(ref: EscrowRef, proofHash: string): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.releases.push({ ref, proofHash });
  }

  async settlePartial(ref: EscrowRef, nodeShareBps: number, proofHash: string): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.partials.push({ ref, nodeShareBps, proofHash });
  }
}

export interface ApiOptions {
  readonly redisUrl?: string;
  readonly config?: (config: CoordinatorConfig) => CoordinatorConfig;
}

export interface Api {
  readonly url: string;
  readonly prefix: string;
  readonly service: Service;
  readonly redis: Redis;
  readonly clock: TestClock;
  readonly verifier: FakeEscrowVerifier;
  readonly settlement: FakeSettlement;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly config: CoordinatorConfig;
  close(): Promise<void>;
}

export function testConfig(prefix: string, redisUrl: string): CoordinatorConfig {
  return {
    ...DEFAULT_CONFIG,
    http: { host: "127.0.0.1", port: 0, bodyLimitBytes: 16 * 1024 },
    redis: { url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 1_000 },
    auth: { maxSkewMs: 60_000 },
    heartbeat: { intervalMs: 1_000, missesBeforeOffline: 3 },
    matching: { tickMs: 100, offerTimeoutMs: 5_000, maxAttempts: 3, defaultMaxDurationSecs: 3_600 },
  };
}

/** A coordinator on a fresh namespace, loops not started (tests run their ticks). */
export async function startApi(options: ApiOptions = {}): Promise<Api> {
  const prefix = `cyx-api-test:${randomUUID()}:`;
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const config = (options.config ?? ((c) => c))(testConfig(prefix, redisUrl));
  const log = memoryLogger();
  const redis = await connectRedis(config.redis, log);
  const clock = new TestClock();
  const verifier = new FakeEscrowVerifier();
  const settlement = new FakeSettlement();
  const ok = { check: async () => ({ ok: true }) };
  const service = createService({
    config,
    redis,
    log,
    clock: clock.now,
    escrowVerifier: verifier,
    settlement,
    probes: { rpc: { check: async () => ({ ok: true, slot: 42 }) }, ipfs: ok },
  });
  const address = await service.start({ loops: false });
  return {
    url: `http://127.0.0.1:${address.port}`,
    prefix,
    service,
    redis,
    clock,
    verifier,
    settlement,
    log,
    config,
    async close() {
      await service.close();
      if (redis.status === "ready") await deleteNamespace(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function deleteNamespace(redis: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

/**
 * Every key of the namespace with its type and content, for before/after comparisons.
 * Nonce records are left out by default: claiming a signed request's nonce is the
 * replay protection itself, not state (tests check separately that refused
 * requests claim none).
 */
export async function snapshot(redis: Redis, prefix: string, options: { nonces?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await scanKeys(redis, prefix)) {
    if (!options.nonces && key.startsWith(`${prefix}nonce:`)) continue;
    const type = await redis.type(key);
    let content: unknown;
    if (type === "string") content = await redis.get(key);
    else if (type === "hash") content = Object.entries(await redis.hgetall(key)).sort();
    else if (type === "list") content = await redis.lrange(key, 0, -1);
    else if (type === "set") content = (await redis.smembers(key)).sort();
    else if (type === "zset") content = await redis.zrange(key, 0, -1, "WITHSCORES");
    out[key] = `${type} ${JSON.stringify(content)}`;
  }
  return out;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly headers: Headers;
}

export interface CallOptions {
  /** Who signs; unsigned when absent. */
  readonly signer?: Keypair;
  /** A value (sent as JSON) or raw text (sent as is). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Signing time; the test clock's now by default. */
  readonly signedAt?: number;
  readonly nonce?: string;
}

export function rawOf(body: unknown): string {
  return body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
}

export async function call(api: Endpoint, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const raw = rawOf(options.body);
  const signature =
    options.signer === undefined
      ? {}
      : signRequest(options.signer, method, path, raw, { now: options.signedAt ?? api.clock.now(), nonce: options.nonce });
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(raw === "" ? {} : { "content-type": "application/json" }),
      ...signature,
      ...options.headers,
    },
    body: raw === "" ? undefined : raw,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: response.status, body, text, headers: response.headers };
}

/** The error object of an error reply. */
export function errorOf(reply: Reply): { code: string; message: string; field?: string } {
  return reply.body.error as { code: string; message: string; field?: string };
}

export const QUOTE_REQUEST = {
  model: { parameters: 10_000_000 },
  dataset: { tokens: 100_000_000 },
  epochs: 1,
  priority: "normal",
};

export function jobIdHex(): string {
  return Buffer.from(Keypair.generate().publicKey.toBytes()).toString("hex");
}

export const DATASET_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
export const WEIGHTS_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

export function escrowAddress(): string {
  return Keypair.generate().publicKey.toBase58();
}

/** Registers `node` with sensible hardware; returns the reply. */
export type Endpoint = Pick<Api, "url" | "clock">;

export async function registerNode(api: Endpoint, node: Keypair, overrides: Record<string, unknown> = {}): Promise<Reply> {
  return call(api, "POST", "/v1/nodes", {
    signer: node,
    body: { gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000", ...overrides },
  });
}

/** Gets a quote and submits a job against it for `client`; returns the job id. */
export async function submitJob(api: Api, client: Keypair, quoteBody: unknown = QUOTE_REQUEST): Promise<string> {
  const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: quoteBody });
  if (quote.status !== 201) throw new Error(`quote failed: ${quote.text}`);
  const jobId = jobIdHex();
  const submitted = await call(api, "POST", "/v1/jobs", {
    signer: client,
    headers: { "idempotency-key": `k-${jobId.slice(0, 16)}` },
    body: { quoteId: quote.body.quoteId, jobId, escrow: escrowAddress(), datasetCid: DATASET_CID, config: { lr: 0.001 } },
  });
  if (submitted.status !== 201) throw new Error(`submit failed: ${submitted.text}`);
  return jobId;
}

/** The job token of `jobId`'s current offer, as the node sees it in the offer (jobToken). */
export async function jobTokenOf(api: Pick<Api, "service">, jobId: string): Promise<string> {
  const token = (await api.service.store.jobs.get(jobId))?.jobToken ?? null;
  if (token === null) throw new Error(`job ${jobId} has no job token: it was never offered`);
  return token;
}

export async function heartbeat(api: Endpoint, node: Keypair, body: Record<string, unknown> = {}): Promise<Reply> {
  return call(api, "POST", "/v1/nodes/heartbeat", { signer: node, body });
}

/**
 * A fresh client's job, offered to a freshly registered node and accepted by its beat:
 * running, with the offer's job token.
 */
export async function runningJob(api: Api): Promise<{ client: Keypair; node: Keypair; jobId: string; token: string }> {
  const client = Keypair.generate();
  const node = Keypair.generate();
  await registerNode(api, node);
  const jobId = await submitJob(api, client);
  await api.service.dispatcher.runOnce();
  const beat = await heartbeat(api, node, { jobId });
  if (beat.body.jobStatus !== "running") throw new Error(`the job did not start running: ${beat.text}`);
  return { client, node, jobId, token: await jobTokenOf(api, jobId) };
}
