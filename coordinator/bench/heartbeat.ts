/**
 * `npm run bench:heartbeat [-- --clients 32 --beats 5000 --server fast|express|empty --rate 2000]`:
 * the heartbeat endpoint over HTTP on localhost with a real redis-server. The
 * coordinator runs in a child process (createService, as main.ts builds it, counting
 * the Redis commands it sends and the CPU it uses); this process holds N keep-alive
 * connections, one per node, each sending its node's signed beats back to back for a
 * fixed number of beats. Prints req/s, p50/p99, Redis commands and server CPU per beat
 * next to the targets (≥ 8,000 req/s, p99 < 10 ms, ≤ 3 commands), the load average,
 * and what one signature verification costs the server. Printed, never asserted.
 *
 * Then a second, open-loop phase: beats sent on a fixed schedule at `--rate` beats/s
 * (default 2,000: 10,000 nodes beating every 5 s), each latency counted from when the
 * beat was due, not when it went out, so a stalled server is not hidden by beats that
 * waited. This is the latency nodes see at a load the machine carries, as opposed to the
 * first phase's latency at saturation, where queueing dominates.
 *
 * The load generator is kept lean so that it measures the server: every beat is signed
 * before the clock starts (the bench's skew window is 10 minutes so none goes stale),
 * and each is written as prebuilt bytes on a raw socket whose replies are read by
 * Content-Length; no node:http client per request.
 *
 * `--server` picks what answers on the same port and URL:
 *   fast     the service's server (the default): heartbeats by http/heartbeat-fast.ts
 *   express  the same service's express app alone (the route as it was before the fast path)
 *   empty    a node:http handler that reads the body and answers {} (the ceiling of
 *            node:http plus this load generator on this machine; no Redis, no checks)
 *
 * Redis: $CYXWIZ_BENCH_REDIS_URL if set, else a private redis-server started with
 * scripts/services.sh on a free port and stopped afterwards.
 */
import type { ChildProcess } from "node:child_process";
import { createPrivateKey, type KeyObject, randomBytes, randomUUID, sign } from "node:crypto";
import { Agent, createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";

import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import type Redis from "ioredis";

import { canonicalMessage, signRequest, verifyRequest } from "@cyxwiz/protocol/signed-request";
import { DEFAULT_CONFIG } from "../src/config";
import { createLogger } from "../src/logger";
import { createService } from "../src/service";
import { connectRedis } from "../src/store/redis";
import {
  benchRedis,
  figure,
  forkServer,
  nextMessage,
  option,
  percentile,
  post,
  refusingSettlement,
  stopChild,
  type ToChild,
  type ToParent,
} from "./common";

const TARGET_RPS = 8_000;
const TARGET_P99_MS = 10;
const TARGET_COMMANDS = 3;
const PATH = "/v1/nodes/heartbeat";
const BODY = Buffer.from("{}");
const SKEW_MS = 10 * 60_000;
const SERVERS = ["fast", "express", "empty"] as const;
type ServerKind = (typeof SERVERS)[number];

// ---- the coordinator (child process) ----

/** Messages the bench's child understands besides common.ts's: its CPU time so far. */
type CpuMessage = { kind: "cpu" } | { kind: "cpu"; micros: number };

function emptyServer(): Server {
  return createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => {
      res.writeHead(200, ["Content-Type", "application/json; charset=utf-8", "Content-Length", "2"]);
      res.end("{}");
    });
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return (server.address() as AddressInfo).port;
}

async function serve(redisUrl: string, prefix: string, kind: ServerKind): Promise<void> {
  const log = createLogger({ level: "warn" });
  const config = {
    ...DEFAULT_CONFIG,
    http: { ...DEFAULT_CONFIG.http, port: 0 },
    redis: { ...DEFAULT_CONFIG.redis, url: redisUrl, keyPrefix: prefix },
    auth: { maxSkewMs: SKEW_MS },
  };
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
  const other = kind === "fast" ? null : kind === "express" ? createServer(service.app) : emptyServer();
  const port = other === null ? address.port : await listen(other);
  const reply = (message: ToParent | CpuMessage) => process.send?.(message);
  process.on("message", (message: ToChild | CpuMessage) => {
    if (message.kind === "commands") reply({ kind: "commands", count: commands });
    if (message.kind === "cpu") {
      const used = process.cpuUsage();
      reply({ kind: "cpu", micros: used.user + used.system });
    }
    if (message.kind === "stop") {
      other?.closeAllConnections();
      other?.close();
      void service
        .close()
        .then(() => redis.quit())
        .then(() => process.exit(0));
    }
  });
  reply({ kind: "ready", port });
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

/** One signed beat as the bytes of an HTTP/1.1 request. */
function beatRequest(port: number, node: BenchNode): Buffer {
  const headers = headersFor(node, Date.now(), randomBytes(16).toString("hex"));
  const lines = [
    `POST ${PATH} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), BODY]);
}

const HEADERS_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH_RE = /\r\ncontent-length: *(\d+)/i;

/** A keep-alive connection sending one request at a time and reading each reply by its Content-Length. */
class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;
  private failed: ((error: Error) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", (error) => this.failed?.(error));
    socket.on("close", () => this.failed?.(new Error("the server closed the connection")));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((done, fail) => {
      const socket = connect(port, "127.0.0.1", () => done(new Connection(socket)));
      socket.once("error", fail);
    });
  }

  /** Sends `request`; resolves with the reply's status. */
  send(request: Buffer): Promise<number> {
    return new Promise((done, fail) => {
      this.waiting = done;
      this.failed = fail;
      this.socket.write(request);
    });
  }

  close(): void {
    this.failed = null;
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = this.pending.indexOf(HEADERS_END);
    if (end < 0) return;
    const head = this.pending.toString("latin1", 0, end);
    const length = Number(CONTENT_LENGTH_RE.exec(head)?.[1] ?? "0");
    if (this.pending.length < end + 4 + length) return;
    this.pending = this.pending.subarray(end + 4 + length);
    const status = Number(head.slice(9, 12));
    const done = this.waiting;
    this.waiting = null;
    done?.(status);
  }
}

async function childSays<Kind extends "commands" | "cpu">(child: ChildProcess, kind: Kind): Promise<number> {
  const reply = new Promise<number>((done) => {
    const listener = (message: { kind: string; count?: number; micros?: number }) => {
      if (message.kind !== kind) return;
      child.off("message", listener);
      done(Number(message.count ?? message.micros));
    };
    child.on("message", listener);
  });
  child.send({ kind });
  return reply;
}

async function run(): Promise<void> {
  const clients = option("clients", 32);
  const beats = option("beats", 5_000);
  const rate = option("rate", 2_000);
  const serverIndex = process.argv.indexOf("--server");
  const kind = (serverIndex < 0 ? "fast" : process.argv[serverIndex + 1]) as ServerKind;
  if (!SERVERS.includes(kind)) throw new Error(`--server must be one of ${SERVERS.join(", ")}`);
  const redis = await benchRedis();
  const prefix = `cyx-bench:${randomUUID()}:`;
  const child = forkServer(__filename, ["--serve", redis.url, prefix, kind]);
  try {
    const { port } = await nextMessage(child, "ready");
    await bench(child, port, clients, beats, redis.url, kind, rate);
  } finally {
    await stopChild(child);
    await redis.close(prefix);
  }
}

async function bench(
  child: ChildProcess,
  port: number,
  clients: number,
  beats: number,
  redisUrl: string,
  kind: ServerKind,
  rate: number,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const nodes = Array.from({ length: clients }, benchNode);

  // The OpenSSL-signed headers are exactly signRequest's.
  const probeNonce = randomBytes(16).toString("hex");
  const now = Date.now();
  if (
    headersFor(nodes[0], now, probeNonce)["x-cyxwiz-signature"] !==
    signRequest(nodes[0].keypair, "POST", PATH, BODY, { now, nonce: probeNonce })["x-cyxwiz-signature"]
  ) {
    throw new Error("OpenSSL and signRequest disagree on a signature");
  }

  for (const node of nodes) {
    const body = Buffer.from(JSON.stringify({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000" }));
    const headers = {
      ...signRequest(node.keypair, "POST", "/v1/nodes", body),
      "content-type": "application/json",
      "content-length": String(body.length),
    };
    const { status } = await post(agent, port, "/v1/nodes", headers, body);
    if (status !== 201 && !(kind === "empty" && status === 200)) throw new Error(`registering a bench node answered ${status}`);
  }
  agent.destroy();

  // Every beat signed before the clock starts: node i % clients sends beat i. The
  // fixed-rate phase sends 3 s of beats (at least 2,000) after the saturated one.
  const warmUp = 4 * clients;
  const paced = Math.max(2_000, Math.round(rate * 3));
  const requests = Array.from({ length: warmUp + beats + paced }, (_, index) => beatRequest(port, nodes[index % clients]));
  const connections = await Promise.all(nodes.map(() => Connection.open(port)));
  let failures = 0;
  for (let i = 0; i < warmUp; i++) if ((await connections[i % clients].send(requests[i])) !== 200) failures += 1; // JIT, script cache

  const commandsBefore = await childSays(child, "commands");
  const cpuBefore = await childSays(child, "cpu");
  const load = loadavg()[0];
  const latencies = new Float64Array(beats);
  let next = 0;
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    connections.map(async (connection, index) => {
      // Each connection sends its own node's beats (index, index + clients, ...).
      for (let beat = index; beat < beats; beat += clients) {
        const sent = performance.now();
        const status = await connection.send(requests[warmUp + beat]);
        latencies[next++] = performance.now() - sent;
        if (status !== 200) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const clientUsed = process.cpuUsage(clientCpu);
  const serverMicros = (await childSays(child, "cpu")) - cpuBefore;
  const commands = ((await childSays(child, "commands")) - commandsBefore) / beats;

  // Open loop: beat k is due at k / rate s; each connection sends its beats when due (or
  // as soon as its previous reply is in, if that came later), and the latency runs from
  // when it was due.
  const pacedLatencies = new Float64Array(paced);
  let pacedNext = 0;
  const pacedStarted = performance.now() + 50;
  await Promise.all(
    connections.map(async (connection, index) => {
      for (let beat = index; beat < paced; beat += clients) {
        const due = pacedStarted + (beat * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const status = await connection.send(requests[warmUp + beats + beat]);
        pacedLatencies[pacedNext++] = performance.now() - due;
        if (status !== 200) failures += 1;
      }
    }),
  );
  const pacedSeconds = (performance.now() - pacedStarted) / 1000;
  for (const connection of connections) connection.close();

  // What one request's signature check costs the server (protocol/src/signed-request.ts).
  const samples = Array.from({ length: 300 }, () => headersFor(nodes[0], Date.now(), randomBytes(16).toString("hex")));
  const verifyStarted = performance.now();
  for (const headers of samples) verifyRequest(headers, "POST", PATH, BODY, Date.now(), SKEW_MS);
  const verifyUs = ((performance.now() - verifyStarted) * 1000) / samples.length;

  latencies.sort();
  const rps = beats / seconds;
  const p99 = percentile(latencies, 99);
  const what = {
    fast: "the service (heartbeat fast path)",
    express: "the express app alone",
    empty: "an empty node:http handler (no Redis, no checks)",
  }[kind];
  console.log(`heartbeat bench: ${beats} beats from ${clients} concurrent signed nodes over keep-alive HTTP to ${what}, redis ${redisUrl}`);
  console.log(`  load average at the start: ${load.toFixed(2)} on this machine's cores (the bench's two processes included from here on)`);
  console.log(figure("throughput", rps.toFixed(0), "req/s", { text: `≥ ${TARGET_RPS} req/s`, met: rps >= TARGET_RPS }));
  console.log(figure("latency p50", percentile(latencies, 50).toFixed(2), "ms"));
  console.log(figure("latency p99", p99.toFixed(2), "ms", { text: `< ${TARGET_P99_MS} ms`, met: p99 < TARGET_P99_MS }));
  console.log(figure("latency max", latencies[latencies.length - 1].toFixed(2), "ms"));
  console.log(
    figure(
      "redis commands",
      commands.toFixed(2),
      "per beat",
      kind === "empty" ? undefined : { text: `≤ ${TARGET_COMMANDS}`, met: commands <= TARGET_COMMANDS },
    ),
  );
  console.log(
    figure("server CPU", (serverMicros / beats).toFixed(0), "µs/beat") +
      `at most ${(1e6 / (serverMicros / beats)).toFixed(0)} beats/s on one free core`,
  );
  console.log(
    `${figure("client CPU", ((clientUsed.user + clientUsed.system) / beats).toFixed(0), "µs/beat")}the load generator, in this process`,
  );
  pacedLatencies.sort();
  const pacedP99 = percentile(pacedLatencies, 99);
  console.log(
    `  at a fixed ${rate} beats/s (${paced} beats, open loop; achieved ${(paced / pacedSeconds).toFixed(0)}/s; latency from when each beat was due):`,
  );
  console.log(figure("  latency p50", percentile(pacedLatencies, 50).toFixed(2), "ms"));
  console.log(figure("  latency p99", pacedP99.toFixed(2), "ms", { text: `< ${TARGET_P99_MS} ms`, met: pacedP99 < TARGET_P99_MS }));
  console.log(figure("  latency max", pacedLatencies[pacedLatencies.length - 1].toFixed(2), "ms"));
  console.log(figure("failed beats", String(failures), ""));
  console.log(
    `${figure("signature check", verifyUs.toFixed(0), "µs/req")}in verifyRequest: at most ${(1e6 / verifyUs).toFixed(0)} req/s per core`,
  );
}

if (process.argv[2] === "--serve") {
  void serve(process.argv[3], process.argv[4], process.argv[5] as ServerKind);
} else {
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
