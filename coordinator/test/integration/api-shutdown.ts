/**
 * Security test 36, on the real entry point: `ts-node coordinator/src/main.ts --config`
 * as a child process, SIGTERM while requests are in flight (a /health whose RPC answers
 * slowly, heartbeats): every request in flight completes, the process exits 0, and the
 * records it wrote are whole. main.ts checks the chain at start-up, so its RPC is the
 * real localnet ($CYXWIZ_RPC_URL, key from the migration manifest) behind a proxy that
 * only slows getSlot, the /health probe's call.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import Redis from "ioredis";

import { readManifest, resolveRpcUrl } from "@cyxwiz/sdk";
import { call, deleteNamespace, heartbeat, REDIS_URL, registerNode, type Reply, TestClock } from "../harness/api-harness";

const ROOT = resolve(__dirname, "../../..");
const SLOW_RPC_MS = 800;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * The localnet's JSON-RPC with getSlot answered slowly (everything else is forwarded
 * as is), and a kubo API that answers /api/v0/id.
 */
function fakeDependencies(): { rpc: Server; ipfs: Server; rpcCalls: number[] } {
  const rpcCalls: number[] = [];
  const rpc = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      if ((JSON.parse(body) as { method?: unknown }).method === "getSlot") {
        rpcCalls.push(Date.now());
        setTimeout(() => res.setHeader("content-type", "application/json").end('{"jsonrpc":"2.0","id":1,"result":4242}'), SLOW_RPC_MS);
        return;
      }
      fetch(resolveRpcUrl(), { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (reply) => res.writeHead(reply.status, { "content-type": "application/json" }).end(await reply.text()))
        .catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  const ipfs = createServer((req, res) => {
    req.resume();
    res.setHeader("content-type", "application/json").end('{"ID":"12D3KooW"}');
  });
  return { rpc, ipfs, rpcCalls };
}

function waitForReady(child: ChildProcessWithoutNullStreams, stderr: string[]): Promise<string> {
  return new Promise((done, fail) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /coordinator ready on (http:\/\/[0-9.]+:[0-9]+)/.exec(out);
      if (match) done(match[1]);
    });
    child.once("exit", (code) => fail(new Error(`main.ts exited ${code} before ready:\n${stderr.join("")}`)));
  });
}

/** The coordinator key the migration wrote for this localnet. */
function coordinatorKeyFile(): string {
  const manifest = readManifest();
  if (manifest === null) throw new Error("no localnet manifest: run `npm run migrate` with CYXWIZ_LOCALNET_DIR set");
  return manifest.keyFiles.coordinator;
}

describe("api: graceful stop of main.ts (security test 36)", () => {
  const dependencies = fakeDependencies();
  const prefix = `cyx-api-test:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL);
  let child: ChildProcessWithoutNullStreams | null = null;
  before(async () => {
    await listen(dependencies.rpc);
    await listen(dependencies.ipfs);
  });
  after(async () => {
    child?.kill("SIGKILL");
    dependencies.rpc.close();
    dependencies.ipfs.close();
    await deleteNamespace(redis, prefix);
    redis.disconnect();
  });

  it("36: SIGTERM with requests in flight finishes them all, then exits 0 with whole records", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "cyxwiz-36-"));
    const configFile = join(dir, "coordinator.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        http: { host: "127.0.0.1", port },
        redis: { url: REDIS_URL, keyPrefix: prefix },
        rpcUrl: `http://127.0.0.1:${(dependencies.rpc.address() as AddressInfo).port}`,
        ipfs: { apiUrl: `http://127.0.0.1:${(dependencies.ipfs.address() as AddressInfo).port}` },
        coordinatorKeypairPath: coordinatorKeyFile(),
        logLevel: "info",
      }),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CYXWIZ_")));
    const stderr: string[] = [];
    const started = spawn(
      process.execPath,
      ["--conditions=source", require.resolve("ts-node/dist/bin.js"), "coordinator/src/main.ts", "--config", configFile],
      {
        cwd: ROOT,
        env,
      },
    );
    child = started;
    started.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const exited = new Promise<number | null>((done) => started.once("exit", (code) => done(code)));
    const url = await waitForReady(started, stderr);
    const api = { url, clock: new TestClock() };

    const node = Keypair.generate();
    expect((await registerNode(api, node)).status).to.equal(201);

    const health = Array.from({ length: 4 }, () =>
      fetch(`${url}/health`).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    // Heartbeats race the signal: each either completes or is never accepted.
    const beats = Array.from({ length: 8 }, () =>
      heartbeat(api, node).then(
        (reply) => reply,
        () => null,
      ),
    );
    while (dependencies.rpcCalls.length < 4) await new Promise((done) => setTimeout(done, 10));
    const stopAt = Date.now();
    started.kill("SIGTERM");

    const healthReplies = await Promise.all(health);
    expect(
      healthReplies.map((reply) => reply.status),
      "in-flight /health completed",
    ).to.deep.equal([200, 200, 200, 200]);
    expect(healthReplies[0].body).to.deep.include({ status: "ok" });
    const answered = (await Promise.all(beats)).filter((reply): reply is Reply => reply !== null);
    for (const reply of answered) expect(reply.status, reply.text).to.equal(200);
    expect(answered.length, "heartbeats sent before the signal were answered").to.be.greaterThan(0);

    expect(await exited, stderr.join("")).to.equal(0);
    expect(Date.now() - stopAt, "stopped promptly").to.be.below(10_000);
    const log = stderr.join("");
    expect(log).to.contain('"msg":"stopping"').and.to.contain('"msg":"stopped"');
    expect(log).to.not.contain('"level":"error"');

    // Whole records: the node's beats are exactly the heartbeats answered 200.
    const stored = await redis.hmget(`${prefix}node:${node.publicKey.toBase58()}`, "beats", "latencySamples", "online");
    expect(stored).to.deep.equal([String(answered.length), String(answered.length), "1"]);
    await call(api, "GET", "/health").then(
      () => expect.fail("the stopped coordinator still answers"),
      (error: Error) => expect(error.message).to.match(/fetch failed/),
    );
  });
});
