/**
 * `npm run bench:submit [-- --jobs 200 --concurrency 16]`: job submission over HTTP with
 * the real on-chain escrow check. Setup (not timed): N client wallets funded on the
 * localnet, each quoted by the coordinator and funding its job's escrow through the
 * SDK for the quoted amount. Timed: N signed POST /v1/jobs (Idempotency-Key, quote,
 * escrow) at a concurrency, each verified against the chain (account, owner, PDA, mint,
 * amount, status, lifetime by the Clock sysvar) and stored by submit-job. The
 * requests are signed before the clock starts, so the figure is the server's. Prints
 * req/s and p50/p99 latency; there is no target for it yet.
 *
 * The coordinator runs in a child process (createService with the chain escrow
 * verifier, as main.ts wires it; no loops). Chain: $CYXWIZ_RPC_URL and
 * $CYXWIZ_LOCALNET_DIR if set (migrated if needed), else a private localnet from
 * $CARGO_TARGET_DIR or ~/.cache/cyxwiz/target (debug/localnet) on a free port, stopped
 * afterwards. Redis: $CYXWIZ_BENCH_REDIS_URL, else a private redis-server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { Agent } from "node:http";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { migrate } from "../../migrations/migrate";
import {
  chainUnixTime,
  createConnection,
  EscrowClient,
  type FundedWallet,
  fundNewWallet,
  jobIdFromUuid,
  jobIdToHex,
  loadManifestKeys,
  sol,
  topUp,
} from "@cyxwiz/sdk";
import { signRequest } from "@cyxwiz/protocol/signed-request";
import { DEFAULT_CONFIG } from "../src/config";
import { createLogger } from "../src/logger";
import { createService } from "../src/service";
import { connectRedis } from "../src/store/redis";
import { connectChain, ChainEscrowVerifier } from "../src/wiring";
import {
  benchRedis,
  figure,
  forkServer,
  freePort,
  nextMessage,
  option,
  percentile,
  post,
  refusingSettlement,
  stopChild,
  type ToChild,
  type ToParent,
} from "./common";

const QUOTE = { model: { parameters: 10_000_000 }, dataset: { tokens: 100_000_000 }, epochs: 1, priority: "normal" };
const DATASET_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

// ---- the coordinator (child process) ----

async function serve(redisUrl: string, prefix: string, rpcUrl: string, keyPath: string): Promise<void> {
  const log = createLogger({ level: "warn" });
  const config = {
    ...DEFAULT_CONFIG,
    http: { ...DEFAULT_CONFIG.http, port: 0 },
    redis: { ...DEFAULT_CONFIG.redis, url: redisUrl, keyPrefix: prefix },
    rpcUrl,
    coordinatorKeypairPath: keyPath,
  };
  const chain = await connectChain(config);
  const redis = await connectRedis(config.redis, log);
  const service = createService({
    config,
    redis,
    log,
    escrowVerifier: new ChainEscrowVerifier({ connection: chain.connection, program: chain.program, mint: chain.market.mint }),
    settlement: refusingSettlement("submission"),
  });
  const address = await service.start({ loops: false });
  process.on("message", (message: ToChild) => {
    if (message.kind === "stop")
      void service
        .close()
        .then(() => redis.quit())
        .then(() => process.exit(0));
  });
  process.send?.({ kind: "ready", port: address.port } satisfies ToParent);
}

// ---- the chain ----

interface BenchChain {
  readonly rpcUrl: string;
  stop(): void;
}

async function benchChain(): Promise<BenchChain> {
  if (process.env.CYXWIZ_RPC_URL !== undefined) return { rpcUrl: process.env.CYXWIZ_RPC_URL, stop: () => undefined };
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache", "cyxwiz", "target");
  const binary = join(target, "debug", "localnet");
  if (!existsSync(binary))
    throw new Error(`no localnet at ${binary}: build it (cargo build -p localnet) or set CYXWIZ_RPC_URL and CYXWIZ_LOCALNET_DIR`);
  const port = await freePort();
  const node: ChildProcess = spawn(binary, ["--rpc-port", String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ready, fail) => {
    node.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("localnet ready")) ready();
    });
    node.once("exit", (code) => fail(new Error(`localnet exited (${code})`)));
  });
  process.env.CYXWIZ_RPC_URL = `http://127.0.0.1:${port}`;
  process.env.CYXWIZ_LOCALNET_DIR = mkdtempSync(join(tmpdir(), "cyxwiz-bench-localnet-"));
  return { rpcUrl: process.env.CYXWIZ_RPC_URL, stop: () => void node.kill("SIGTERM") };
}

// ---- the clients (this process) ----

interface Prepared {
  readonly wallet: FundedWallet;
  readonly idempotencyKey: string;
  readonly body: Buffer;
}

async function run(): Promise<void> {
  const jobs = option("jobs", 200);
  const concurrency = option("concurrency", 16);
  const chain = await benchChain();
  const redis = await benchRedis();
  const prefix = `cyx-bench-submit:${randomUUID()}:`;
  let child: ChildProcess | null = null;
  try {
    const connection = createConnection();
    const manifest = await migrate({ connection });
    const keys = loadManifestKeys(manifest);
    const client = await EscrowClient.connect(connection);
    child = forkServer(__filename, ["--serve", redis.url, prefix, chain.rpcUrl, manifest.keyFiles.coordinator]);
    const { port } = await nextMessage(child, "ready");
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

    const setupStarted = performance.now();
    console.log(`submission bench: setting up ${jobs} funded escrows on ${chain.rpcUrl} (not timed) ...`);
    await topUp(connection, keys.mintAuthority.publicKey, sol(10 + jobs * 0.1), sol(100 + jobs * 0.1));
    const expiresAt = (await chainUnixTime(connection)) + 24 * 60 * 60;
    const prepared: Prepared[] = [];
    let nextSetup = 0;
    const setupOne = async (): Promise<void> => {
      while (nextSetup < jobs) {
        nextSetup += 1;
        const quoteBody = Buffer.from(JSON.stringify(QUOTE));
        const wallet: FundedWallet = await fundNewWallet(connection, keys.mintAuthority, client.config.mint, {
          lamports: sol(0.05),
          tokens: 10_000_000_000n,
        });
        const quoteHeaders = { ...signRequest(wallet.keypair, "POST", "/v1/quotes", quoteBody), "content-type": "application/json" };
        const quote = await post(agent, port, "/v1/quotes", quoteHeaders, quoteBody);
        if (quote.status !== 201) throw new Error(`quote answered ${quote.status}: ${quote.body}`);
        const { quoteId, amount } = JSON.parse(quote.body) as { quoteId: string; amount: string };
        const jobId = jobIdFromUuid(randomUUID());
        const { escrow } = await client.createEscrow({ payer: wallet.keypair, jobId, amount: BigInt(amount), expiresAt });
        const hex = jobIdToHex(jobId);
        const body = Buffer.from(
          JSON.stringify({ quoteId, jobId: hex, escrow: escrow.toBase58(), datasetCid: DATASET_CID, config: { lr: 0.001 } }),
        );
        prepared.push({ wallet, idempotencyKey: `bench-${hex.slice(0, 24)}`, body });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, 16) }, setupOne));
    console.log(`  setup             ${((performance.now() - setupStarted) / 1000).toFixed(1).padStart(9)} s`);

    // Signed just before the clock starts (within the 60 s skew), so signing is not timed.
    const signed = prepared.map(({ wallet, idempotencyKey, body }) => ({
      body,
      headers: {
        ...signRequest(wallet.keypair, "POST", "/v1/jobs", body),
        "content-type": "application/json",
        "content-length": String(body.length),
        "idempotency-key": idempotencyKey,
      },
    }));

    const latencies = new Float64Array(jobs);
    const failures: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs) {
          const index = next++;
          const sent = performance.now();
          const reply = await post(agent, port, "/v1/jobs", signed[index].headers, signed[index].body);
          latencies[index] = performance.now() - sent;
          if (reply.status !== 201) failures.push(`${reply.status} ${reply.body}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    latencies.sort();
    console.log(
      `submission bench: ${jobs} signed POST /v1/jobs, each escrow verified on chain, concurrency ${concurrency}, redis ${redis.url}`,
    );
    console.log(`${figure("throughput", (jobs / seconds).toFixed(0), "req/s", undefined)}no target set`);
    console.log(figure("latency p50", percentile(latencies, 50).toFixed(2), "ms"));
    console.log(figure("latency p99", percentile(latencies, 99).toFixed(2), "ms"));
    console.log(figure("latency max", latencies[latencies.length - 1].toFixed(2), "ms"));
    console.log(figure("failed", String(failures.length), "requests") + (failures.length > 0 ? `first: ${failures[0]}` : ""));
  } finally {
    if (child !== null) await stopChild(child);
    await redis.close(prefix);
    chain.stop();
  }
}

if (process.argv[2] === "--serve") {
  void serve(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
} else {
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
