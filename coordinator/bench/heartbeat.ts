/**
 * `npm run bench:heartbeat [-- --clients 32 --beats 5000]`: the heartbeat endpoint over
 * HTTP on localhost with a real redis-server. The coordinator runs in a child process
 * (createService, as main.ts builds it, counting the Redis commands it sends); this
 * process runs N concurrent nodes, each beating with its own signed requests, for a
 * fixed number of beats. Prints req/s, p50/p99 and Redis commands per beat next to the
 * targets (≥ 8,000 req/s, p99 < 10 ms, ≤ 3 commands), and what one signature
 * verification costs the server. Printed, never asserted.
 *
 * `--what-if-openssl-verify` measures the same with OpenSSL doing the ed25519 equation
 * (see useOpenSslVerify); the default is the real configuration.
 *
 * Redis: $CYXWIZ_BENCH_REDIS_URL if set, else a private redis-server started with
 * scripts/services.sh on a free port and stopped afterwards.
 */
import { ChildProcess } from "child_process";
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, randomUUID, sign, verify } from "crypto";
import { Agent } from "http";
import { performance } from "perf_hooks";

import { ed25519 } from "@noble/curves/ed25519";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import Redis from "ioredis";

import { canonicalMessage, signRequest, verifyRequest } from "../src/auth/signed-request";
import { DEFAULT_CONFIG } from "../src/config";
import { createLogger } from "../src/logger";
import { createService } from "../src/service";
import { connectRedis } from "../src/store/redis";
import { benchRedis, figure, forkServer, nextMessage, option, percentile, post, refusingSettlement, stopChild, ToChild, ToParent } from "./common";

const TARGET_RPS = 8_000;
const TARGET_P99_MS = 10;
const TARGET_COMMANDS = 3;
const PATH = "/v1/nodes/heartbeat";
const BODY = Buffer.from("{}");

// ---- the coordinator (child process) ----

/**
 * What-if, never the default: the same checks, but the final ed25519 equation by
 * OpenSSL (node:crypto) instead of @noble/curves, to show what the signature check
 * costs. OpenSSL verifies cofactorless where noble is cofactored, so this is not a
 * drop-in change of auth/signed-request.ts, only a measurement.
 */
function useOpenSslVerify(): void {
  const spki = Buffer.from("302a300506032b6570032100", "hex");
  const keys = new Map<string, KeyObject>();
  ed25519.verify = ((signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => {
    const id = Buffer.from(publicKey).toString("hex");
    let key = keys.get(id);
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([spki, Buffer.from(publicKey)]), format: "der", type: "spki" });
      keys.set(id, key);
    }
    return verify(null, message, key, signature);
  }) as typeof ed25519.verify;
}

async function serve(redisUrl: string, prefix: string, verifier: string): Promise<void> {
  if (verifier === "openssl") useOpenSslVerify();
  const log = createLogger({ level: "warn" });
  const config = { ...DEFAULT_CONFIG, http: { ...DEFAULT_CONFIG.http, port: 0 }, redis: { ...DEFAULT_CONFIG.redis, url: redisUrl, keyPrefix: prefix } };
  const redis = await connectRedis(config.redis, log);
  let commands = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    commands += 1;
    return send(...args);
  }) as Redis["sendCommand"];
  const service = createService({
    config,
    redis,
    log,
    escrowVerifier: { verify: async () => Promise.reject(new Error("no chain in the heartbeat bench")) },
    settlement: refusingSettlement("heartbeat"),
  });
  const address = await service.start({ loops: false });
  const reply = (message: ToParent) => process.send?.(message);
  process.on("message", (message: ToChild) => {
    if (message.kind === "commands") reply({ kind: "commands", count: commands });
    if (message.kind === "stop") void service.close().then(() => redis.quit()).then(() => process.exit(0));
  });
  reply({ kind: "ready", port: address.port });
}

// ---- the nodes (this process) ----

interface BenchNode {
  readonly keypair: Keypair;
  readonly key: string;
  readonly privateKey: KeyObject;
}

function benchNode(): BenchNode {
  const keypair = Keypair.generate();
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(keypair.secretKey.subarray(0, 32))]);
  return { keypair, key: keypair.publicKey.toBase58(), privateKey: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }) };
}

/** signRequest's headers, signed by OpenSSL: Ed25519 is deterministic, so the bytes are the same. */
function headersFor(node: BenchNode, now: number, nonce: string): Record<string, string> {
  const signature = sign(null, canonicalMessage("POST", PATH, BODY, String(now), nonce), node.privateKey);
  return {
    "x-cyxwiz-key": node.key,
    "x-cyxwiz-timestamp": String(now),
    "x-cyxwiz-nonce": nonce,
    "x-cyxwiz-signature": bs58.encode(signature),
    "content-type": "application/json",
    "content-length": String(BODY.length),
  };
}



async function commandsSent(child: ChildProcess): Promise<number> {
  const reply = nextMessage(child, "commands");
  child.send({ kind: "commands" } satisfies ToChild);
  return (await reply).count;
}



async function run(): Promise<void> {
  const clients = option("clients", 32);
  const beats = option("beats", 5_000);
  const redis = await benchRedis();
  const prefix = `cyx-bench:${randomUUID()}:`;
  const verifier = process.argv.includes("--what-if-openssl-verify") ? "openssl" : "noble";
  const child = forkServer(__filename, ["--serve", redis.url, prefix, verifier]);
  try {
    const { port } = await nextMessage(child, "ready");
    if (verifier === "openssl") console.log("WHAT-IF: the server's ed25519 equation is OpenSSL's, not auth/signed-request.ts's noble");
    await bench(child, port, clients, beats, redis.url);
  } finally {
    await stopChild(child);
    await redis.close(prefix);
  }
}

async function bench(child: ChildProcess, port: number, clients: number, beats: number, redisUrl: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const nodes = Array.from({ length: clients }, benchNode);

  // The OpenSSL-signed headers are exactly signRequest's.
  const probeNonce = randomBytes(16).toString("hex");
  const now = Date.now();
  if (headersFor(nodes[0], now, probeNonce)["x-cyxwiz-signature"] !== signRequest(nodes[0].keypair, "POST", PATH, BODY, { now, nonce: probeNonce })["x-cyxwiz-signature"]) {
    throw new Error("OpenSSL and signRequest disagree on a signature");
  }

  for (const node of nodes) {
    const body = Buffer.from(JSON.stringify({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000" }));
    const headers = { ...signRequest(node.keypair, "POST", "/v1/nodes", body), "content-type": "application/json", "content-length": String(body.length) };
    const { status } = await post(agent, port, "/v1/nodes", headers, body);
    if (status !== 201) throw new Error(`registering a bench node answered ${status}`);
  }
  const beat = async (node: BenchNode) => (await post(agent, port, PATH, headersFor(node, Date.now(), randomBytes(16).toString("hex")), BODY)).status;
  for (let i = 0; i < 4 * clients; i++) await beat(nodes[i % clients]); // warm-up: JIT, script cache, sockets

  const before = await commandsSent(child);
  const latencies = new Float64Array(beats);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    nodes.map(async (node) => {
      while (next < beats) {
        const index = next++;
        const sent = performance.now();
        const status = await beat(node);
        latencies[index] = performance.now() - sent;
        if (status !== 200) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await commandsSent(child);
  agent.destroy();

  // What one request's signature check costs the server (auth/signed-request.ts).
  const samples = Array.from({ length: 300 }, () => {
    const nonce = randomBytes(16).toString("hex");
    const at = Date.now();
    return headersFor(nodes[0], at, nonce);
  });
  const verifyStarted = performance.now();
  for (const headers of samples) verifyRequest(headers, "POST", PATH, BODY, Date.now(), 60_000);
  const verifyUs = ((performance.now() - verifyStarted) * 1000) / samples.length;

  latencies.sort();
  const rps = beats / seconds;
  const p99 = percentile(latencies, 99);
  const commands = (after - before) / beats;
  console.log(`heartbeat bench: ${beats} beats from ${clients} concurrent signed nodes over HTTP, redis ${redisUrl}`);
  console.log(figure("throughput", rps.toFixed(0), "req/s", { text: `≥ ${TARGET_RPS} req/s`, met: rps >= TARGET_RPS }));
  console.log(figure("latency p50", percentile(latencies, 50).toFixed(2), "ms"));
  console.log(figure("latency p99", p99.toFixed(2), "ms", { text: `< ${TARGET_P99_MS} ms`, met: p99 < TARGET_P99_MS }));
  console.log(figure("latency max", latencies[latencies.length - 1].toFixed(2), "ms"));
  console.log(figure("redis commands", commands.toFixed(2), "per beat", { text: `≤ ${TARGET_COMMANDS}`, met: commands <= TARGET_COMMANDS }));
  console.log(figure("failed beats", String(failures), ""));
  console.log(figure("signature check", verifyUs.toFixed(0), "µs/req") + `in verifyRequest: at most ${(1e6 / verifyUs).toFixed(0)} req/s per core`);
}

if (process.argv[2] === "--serve") {
  void serve(process.argv[3], process.argv[4], process.argv[5]);
} else {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
