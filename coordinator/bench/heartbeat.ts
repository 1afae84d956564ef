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
import { execFileSync, fork, ChildProcess } from "child_process";
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, randomUUID, sign, verify } from "crypto";
import { mkdtempSync } from "fs";
import { Agent, createServer, request } from "http";
import { AddressInfo } from "net";
import { tmpdir } from "os";
import { join, resolve } from "path";
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

const TARGET_RPS = 8_000;
const TARGET_P99_MS = 10;
const TARGET_COMMANDS = 3;
const ROOT = resolve(__dirname, "../..");
const PATH = "/v1/nodes/heartbeat";
const BODY = Buffer.from("{}");

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

// ---- the coordinator (child process) ----

type ToParent = { kind: "ready"; port: number } | { kind: "commands"; count: number };
type ToChild = { kind: "commands" } | { kind: "stop" };

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
  const refuse = async (): Promise<never> => {
    throw new Error("no chain in the heartbeat bench");
  };
  const service = createService({
    config,
    redis,
    log,
    escrowVerifier: { verify: refuse },
    settlement: { lock: refuse, unlock: refuse, refund: refuse, release: refuse, settlePartial: refuse },
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

function post(agent: Agent, port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
    });
    req.on("error", fail);
    req.end(body);
  });
}

function nextMessage<Kind extends ToParent["kind"]>(child: ChildProcess, kind: Kind): Promise<Extract<ToParent, { kind: Kind }>> {
  return new Promise((done, fail) => {
    const listener = (reply: ToParent) => {
      if (reply.kind !== kind) return;
      child.off("message", listener);
      done(reply as Extract<ToParent, { kind: Kind }>);
    };
    child.on("message", listener);
    child.once("exit", (code) => fail(new Error(`the coordinator exited (${code})`)));
  });
}

async function commandsSent(child: ChildProcess): Promise<number> {
  const reply = nextMessage(child, "commands");
  child.send({ kind: "commands" } satisfies ToChild);
  return (await reply).count;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function run(): Promise<void> {
  const clients = option("clients", 32);
  const beats = option("beats", 5_000);
  let redisUrl = process.env.CYXWIZ_BENCH_REDIS_URL;
  let stopRedis = (): void => undefined;
  if (redisUrl === undefined) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "cyxwiz-bench-redis-"));
    execFileSync("bash", ["-c", `source scripts/services.sh && ensure_redis && start_redis ${port} ${dir}`], { cwd: ROOT, stdio: "inherit" });
    stopRedis = () => execFileSync("bash", ["-c", `source scripts/services.sh && stop_redis ${port}`], { cwd: ROOT, stdio: "inherit" });
    redisUrl = `redis://127.0.0.1:${port}`;
  }
  const prefix = `cyx-bench:${randomUUID()}:`;
  const verifier = process.argv.includes("--what-if-openssl-verify") ? "openssl" : "noble";
  const child = fork(__filename, ["--serve", redisUrl, prefix, verifier], { execArgv: ["-r", "ts-node/register/transpile-only", ...(process.env.CYXWIZ_BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.CYXWIZ_BENCH_PROFILE}`] : [])] });
  try {
    const { port } = await nextMessage(child, "ready");
    if (verifier === "openssl") console.log("WHAT-IF: the server's ed25519 equation is OpenSSL's, not auth/signed-request.ts's noble");
    await bench(child, port, clients, beats, redisUrl);
  } finally {
    child.send({ kind: "stop" } satisfies ToChild);
    await new Promise((done) => child.once("exit", done));
    const cleanup = new Redis(redisUrl);
    const keys = await cleanup.keys(`${prefix}*`);
    if (keys.length > 0) await cleanup.del(...keys);
    cleanup.disconnect();
    stopRedis();
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
    const status = await post(agent, port, "/v1/nodes", headers, body);
    if (status !== 201) throw new Error(`registering a bench node answered ${status}`);
  }
  const beat = (node: BenchNode) => post(agent, port, PATH, headersFor(node, Date.now(), randomBytes(16).toString("hex")), BODY);
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
  const mark = (ok: boolean) => (ok ? "meets" : "misses");
  console.log(`heartbeat bench: ${beats} beats from ${clients} concurrent signed nodes over HTTP, redis ${redisUrl}`);
  console.log(`  throughput        ${rps.toFixed(0).padStart(8)} req/s    target ≥ ${TARGET_RPS} req/s   (${mark(rps >= TARGET_RPS)})`);
  console.log(`  latency p50       ${percentile(latencies, 50).toFixed(2).padStart(8)} ms`);
  console.log(`  latency p99       ${p99.toFixed(2).padStart(8)} ms       target < ${TARGET_P99_MS} ms       (${mark(p99 < TARGET_P99_MS)})`);
  console.log(`  latency max       ${latencies[latencies.length - 1].toFixed(2).padStart(8)} ms`);
  console.log(`  redis commands    ${commands.toFixed(2).padStart(8)} per beat target ≤ ${TARGET_COMMANDS}          (${mark(commands <= TARGET_COMMANDS)})`);
  console.log(`  failed beats      ${String(failures).padStart(8)}`);
  console.log(`  signature check   ${verifyUs.toFixed(0).padStart(8)} µs per request in verifyRequest: at most ${(1e6 / verifyUs).toFixed(0)} req/s per core`);
}

if (process.argv[2] === "--serve") {
  void serve(process.argv[3], process.argv[4], process.argv[5]);
} else {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
