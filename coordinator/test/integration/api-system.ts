/**
 * The unsigned operational routes: /health asks Redis, the RPC (getSlot) and IPFS
 * (/api/v0/id) for real, /metrics serves Prometheus text, /openapi.yaml serves the
 * document kept in the repo, which documents every route the app has.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { DEFAULT_CONFIG } from "../../src/config";
import { memoryLogger } from "../../src/logger";
import { ipfsProbe, redisProbe, rpcProbe } from "../../src/http/probes";
import { createService } from "../../src/service";
import { connectRedis } from "../../src/store/redis";
import {
  type Api,
  call,
  FakeEscrowVerifier,
  FakeSettlement,
  heartbeat,
  REDIS_URL,
  registerNode,
  startApi,
  submitJob,
} from "../harness/api-harness";

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("api: health probes", () => {
  let rpc: { server: Server; url: string };
  let ipfs: { server: Server; url: string };
  let rpcAnswer: () => string;
  before(async () => {
    rpc = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        expect(JSON.parse(body)).to.include({ method: "getSlot" });
        res.setHeader("content-type", "application/json").end(rpcAnswer());
      });
    });
    ipfs = await serve((req, res) => {
      expect([req.method, req.url]).to.deep.equal(["POST", "/api/v0/id"]);
      res.end('{"ID":"12D3KooW"}');
    });
  });
  after(() => {
    rpc.server.close();
    ipfs.server.close();
  });
  beforeEach(() => {
    rpcAnswer = () => '{"jsonrpc":"2.0","id":1,"result":1234}';
  });

  it("the RPC probe reports the slot from getSlot", async () => {
    expect(await rpcProbe(rpc.url, 1_000).check()).to.deep.equal({ ok: true, slot: 1234 });
  });

  it("the RPC probe reports an RPC error, and an RPC that does not answer in time", async () => {
    rpcAnswer = () => '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}';
    expect(await rpcProbe(rpc.url, 1_000).check()).to.deep.include({ ok: false, slot: null, error: "getSlot failed: Method not found" });
    const started = Date.now();
    const silent = await serve(() => undefined);
    expect((await rpcProbe(silent.url, 200).check()).ok).to.equal(false);
    expect(Date.now() - started).to.be.below(1_000);
    silent.server.closeAllConnections();
    silent.server.close();
  });

  it("the IPFS probe asks the kubo API for its id; a closed port is unhealthy", async () => {
    expect(await ipfsProbe(ipfs.url, 1_000).check()).to.deep.equal({ ok: true });
    expect((await ipfsProbe("http://127.0.0.1:1", 1_000).check()).ok).to.equal(false);
  });

  it("/health is 200 with every dependency's real state, 503 when one is down", async () => {
    const config = {
      ...DEFAULT_CONFIG,
      http: { ...DEFAULT_CONFIG.http, port: 0 },
      redis: { ...DEFAULT_CONFIG.redis, url: REDIS_URL },
      rpcUrl: rpc.url,
      ipfs: { ...DEFAULT_CONFIG.ipfs, apiUrl: ipfs.url },
    };
    const log = memoryLogger();
    const redis = await connectRedis(config.redis, log);
    const build = (rpcUrl: string) =>
      createService({
        config: { ...config, rpcUrl },
        redis,
        log,
        escrowVerifier: new FakeEscrowVerifier(),
        settlement: new FakeSettlement(),
      });
    const healthy = build(rpc.url);
    const address = await healthy.start({ loops: false });
    const reply = await fetch(`http://127.0.0.1:${address.port}/health`);
    const body = (await reply.json()) as { status: string; redis: { ok: boolean; latencyMs: number }; rpc: unknown; ipfs: unknown };
    expect(reply.status).to.equal(200);
    expect(body.status).to.equal("ok");
    expect(body.redis.ok).to.equal(true);
    expect(body.redis.latencyMs).to.be.a("number").and.below(100);
    expect(body.rpc).to.deep.equal({ ok: true, slot: 1234 });
    expect(body.ipfs).to.deep.equal({ ok: true });
    await healthy.close();

    const rpcDown = build("http://127.0.0.1:1");
    const downAddress = await rpcDown.start({ loops: false });
    const down = await fetch(`http://127.0.0.1:${downAddress.port}/health`);
    expect(down.status).to.equal(503);
    const downBody = (await down.json()) as { status: string; rpc: { ok: boolean; error: string } };
    expect(downBody.status).to.equal("unhealthy");
    expect(downBody.rpc.ok).to.equal(false);
    await rpcDown.close();
    redis.disconnect();
  });

  it("the Redis probe is unhealthy at once when the connection is not ready", async () => {
    const redis = await connectRedis({ ...DEFAULT_CONFIG.redis, url: REDIS_URL }, memoryLogger());
    redis.disconnect();
    expect(await redisProbe(redis, 1_000).check()).to.deep.include({ ok: false, latencyMs: null });
  });
});

describe("api: metrics and the OpenAPI document", () => {
  let api: Api;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  it("/metrics has request durations by route and status, jobs by state and nodes online", async () => {
    const client = Keypair.generate();
    const node = Keypair.generate();
    await registerNode(api, node);
    await heartbeat(api, node);
    const jobId = await submitJob(api, client);
    await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client });
    await call(api, "GET", `/v1/jobs/${"0".repeat(64)}`, { signer: client });
    const reply = await fetch(`${api.url}/metrics`);
    expect(reply.headers.get("content-type")).to.match(/^text\/plain/);
    const text = await reply.text();
    expect(text).to.match(/cyxwiz_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status="200"\} 1/);
    expect(text).to.match(/cyxwiz_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status="404"\} 1/);
    expect(text).to.match(/cyxwiz_http_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="201"\} 1/);
    expect(text).to.match(/cyxwiz_jobs\{state="queued"\} 1/);
    expect(text).to.match(/cyxwiz_jobs\{state="running"\} 0/);
    expect(text).to.match(/cyxwiz_nodes_online 1/);
    expect(text).to.match(/cyxwiz_heartbeats_total\{outcome="ok"\} 1/);
    expect(text).to.contain("process_cpu_seconds_total");
  });

  it("/openapi.yaml serves the document kept in the repo, and it documents every route", async () => {
    const reply = await fetch(`${api.url}/openapi.yaml`);
    expect(reply.status).to.equal(200);
    const served = await reply.text();
    const kept = readFileSync(join(__dirname, "../../openapi.yaml"), "utf8");
    expect(served).to.equal(kept);
    expect(served).to.match(/^openapi: 3\.1\.\d/);
    const documented = new Set<string>();
    let path = "";
    for (const line of kept.split("\n")) {
      const pathMatch = /^ {2}(\/\S*):$/.exec(line);
      if (pathMatch) path = pathMatch[1].replace(/\{(\w+)\}/g, ":$1");
      const methodMatch = /^ {4}(get|post|put|delete|patch):$/.exec(line);
      if (methodMatch && path) documented.add(`${methodMatch[1].toUpperCase()} ${path}`);
      if (/^\S/.test(line)) path = "";
    }
    // Express 5 keeps its routes on app.router; reading them keeps this check honest as routes are added.
    const router = (api.service.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } })
      .router;
    const routes = router.stack
      .filter((layer) => layer.route !== undefined)
      .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`));
    expect(routes.length).to.be.greaterThan(5);
    expect([...documented].sort()).to.deep.equal([...new Set(routes)].sort());
  });

  it("errors are JSON with a request id, and a 404 names the route", async () => {
    const reply = await fetch(`${api.url}/nowhere`, { headers: { "x-request-id": "req-123" } });
    expect(reply.status).to.equal(404);
    expect(reply.headers.get("x-request-id")).to.equal("req-123");
    expect(await reply.json()).to.deep.equal({ error: { code: "NOT_FOUND", message: "no route GET /nowhere", requestId: "req-123" } });
  });
});
