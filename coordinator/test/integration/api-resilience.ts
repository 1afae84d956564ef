/**
 * Security tests 31 and 40. 31: with the real redis-server stopped (scripts/services.sh)
 * the API answers 503 at once and /health says unhealthy; once it is started again
 * (same data directory, AOF) work resumes. 40: a failure anywhere leaves no
 * half-written state: an error inside a route, a Redis connection killed in a burst of
 * submissions, a failing background step; and no store code writes several keys
 * outside a Lua script.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import Redis from "ioredis";

import {
  type Api,
  call,
  DATASET_CID,
  errorOf,
  escrowAddress,
  heartbeat,
  jobIdHex,
  QUOTE_REQUEST,
  REDIS_URL,
  registerNode,
  scanKeys,
  snapshot,
  startApi,
  submitJob,
} from "../harness/api-harness";

const ROOT = resolve(__dirname, "../../..");
const STORE_DIR = join(ROOT, "coordinator/src/store");
const RESTART_PORT = Number(process.env.CYXWIZ_TEST_REDIS_RESTART_PORT ?? 16490);

function services(command: string): void {
  execFileSync("bash", ["-c", `source scripts/services.sh && ${command}`], { cwd: ROOT, stdio: "pipe" });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe("api: Redis down and back (security test 31)", () => {
  const dir = mkdtempSync(join(tmpdir(), "cyxwiz-redis-31-"));
  let api: Api;
  before(() => services(`start_redis ${RESTART_PORT} ${dir}`));
  after(async () => {
    services(`start_redis ${RESTART_PORT} ${dir} 2>/dev/null || true`);
    await api?.close();
    services(`stop_redis ${RESTART_PORT}`);
  });

  it("31: Redis down → 503 within a second and /health unhealthy; Redis back → work resumes, nothing lost", async () => {
    api = await startApi({ redisUrl: `redis://127.0.0.1:${RESTART_PORT}` });
    const client = Keypair.generate();
    const node = Keypair.generate();
    expect((await registerNode(api, node)).status).to.equal(201);
    const jobId = await submitJob(api, client);

    services(`stop_redis ${RESTART_PORT}`);
    for (const attempt of [
      () => heartbeat(api, node),
      () => call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST }),
      () => call(api, "GET", `/v1/jobs/${jobId}`, { signer: client }),
    ]) {
      const { value: reply, ms } = await timed(attempt);
      expect(reply.status, reply.text).to.equal(503);
      expect(errorOf(reply).code).to.equal("REDIS_UNAVAILABLE");
      expect(reply.headers.get("retry-after")).to.equal("1");
      expect(ms, "answered fast").to.be.below(1_000);
    }
    const { value: health, ms } = await timed(() => fetch(`${api.url}/health`));
    expect(health.status).to.equal(503);
    expect(ms).to.be.below(1_000);
    const report = (await health.json()) as { status: string; redis: { ok: boolean }; rpc: { ok: boolean } };
    expect(report).to.deep.include({ status: "unhealthy" });
    expect(report.redis.ok).to.equal(false);
    expect(report.rpc.ok).to.equal(true);

    // The watchdog notices once, and the outage costs no node its lease.
    api.clock.advance(10_000);
    await api.service.watchdog.runOnce();
    await api.service.watchdog.runOnce();
    expect(api.log.lines.filter((line) => line.msg === "store unavailable; retrying every tick")).to.have.length(1);

    services(`start_redis ${RESTART_PORT} ${dir}`);
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${api.url}/health`)).status !== 200) {
      expect(Date.now(), "healthy again within 15 s").to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await api.service.watchdog.runOnce();
    const beat = await heartbeat(api, node);
    expect(beat.status, beat.text).to.equal(200);
    const job = await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client });
    expect(job.status).to.equal(200);
    expect(job.body.status).to.equal("queued");
    expect((await registerNode(api, node)).body.state, "the outage did not take the node offline").to.equal("online");
  });
});

describe("api: no half-written state (security test 40)", () => {
  let api: Api;
  let client: Keypair;
  beforeEach(async () => {
    api = await startApi();
    client = Keypair.generate();
  });
  afterEach(() => api.close());

  const jobBody = (quoteId: string, jobId = jobIdHex()) => ({
    quoteId,
    jobId,
    escrow: escrowAddress(),
    datasetCid: DATASET_CID,
    config: {},
  });

  it("40: an error thrown inside a route is answered 500 without a stack, logged with its context, and writes nothing", async () => {
    const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    const body = jobBody(quote.body.quoteId as string);
    // A verifier bug: an escrow amount that is no u64 makes the split throw mid-route.
    api.verifier.verdicts.set(body.escrow, {
      ok: true,
      escrow: { amount: -1n, feeBps: 1_000, expiresAt: Math.floor(Date.now() / 1000) + 86_400 },
    });
    const before = await snapshot(api.redis, api.prefix);
    const reply = await call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "k40" }, body });
    expect(reply.status).to.equal(500);
    const error = errorOf(reply) as { code: string; message: string; requestId: string };
    expect(error.code).to.equal("INTERNAL");
    expect(reply.text).to.not.match(/at .*\.ts:\d+/);
    expect(error.message).to.contain(error.requestId);
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
    const logged = api.log.lines.find((line) => line.msg === "request failed");
    expect(logged).to.deep.include({
      requestId: error.requestId,
      method: "POST",
      route: "/v1/jobs",
      caller: client.publicKey.toBase58(),
    });
    expect((logged?.error as { stack: string }).stack).to.match(/at /);
  });

  it("40: a Redis connection killed during a burst of submissions leaves every job fully written or absent", async () => {
    const count = 30;
    const quotes: string[] = [];
    for (let i = 0; i < count; i++) {
      quotes.push((await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST })).body.quoteId as string);
    }
    const bodies = quotes.map((quoteId) => jobBody(quoteId));
    // Each submission's escrow check takes 20 ms, and the killing connection is ready
    // before the burst starts, so the kill lands while submissions are still in flight.
    api.verifier.delayMs = 20;
    const connectionId = await api.redis.client("ID");
    const admin = new Redis(REDIS_URL);
    await admin.ping();
    const submit = (index: number) =>
      call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": `burst-${index}` }, body: bodies[index] });
    const burst = Promise.all(bodies.map((_, index) => submit(index)));
    while (api.verifier.calls.length < 5) await new Promise((resolve) => setTimeout(resolve, 1));
    await admin.client("KILL", "ID", String(connectionId));
    const replies = await burst;
    expect(
      replies.every((reply) => reply.status === 201 || reply.status === 503),
      replies.map((r) => r.status).join(),
    ).to.equal(true);

    // Wait for the reconnect, then check every job's keys are all there or all absent.
    while (api.redis.status !== "ready") await new Promise((resolve) => setTimeout(resolve, 50));
    const state = async (index: number) => {
      const { jobId, quoteId } = bodies[index];
      const present = await Promise.all([
        admin.exists(`${api.prefix}job:${jobId}`),
        admin.exists(`${api.prefix}job:${jobId}:history`),
        admin.zscore(`${api.prefix}jobs:queued`, jobId).then((score) => (score === null ? 0 : 1)),
        admin.exists(`${api.prefix}idem:${client.publicKey.toBase58()}:burst-${index}`),
        admin.exists(`${api.prefix}quote:${quoteId}:used`),
      ]);
      return present.join("");
    };
    const states = await Promise.all(bodies.map((_, index) => state(index)));
    for (const [index, keys] of states.entries()) expect(keys, `job ${index}`).to.be.oneOf(["11111", "00000"]);
    const written = states.filter((keys) => keys === "11111").length;
    expect(await admin.hget(`${api.prefix}jobs:count`, "queued")).to.equal(written === 0 ? null : String(written));
    // A reply lost with the connection may hide a job that was written: the retry below finds it.
    expect(written).to.be.at.least(replies.filter((reply) => reply.status === 201).length);
    expect(
      replies.some((reply) => reply.status === 503),
      "the kill hit the burst",
    ).to.equal(true);

    // Retrying the refused ones with their keys completes the burst exactly once.
    const retried = await Promise.all(bodies.map((_, index) => submit(index)));
    expect(retried.map((reply) => reply.status)).to.deep.equal(Array(count).fill(201));
    expect(await admin.zcard(`${api.prefix}jobs:queued`)).to.equal(count);
    admin.disconnect();
  });

  it("40: a failing background step is logged with its job and leaves the job where it was, to retry", async () => {
    const node = Keypair.generate();
    await registerNode(api, node);
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    await heartbeat(api, node, { jobId });
    api.clock.advance(3_001);
    api.settlement.unlock = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'toBase58')");
    };
    await api.service.watchdog.runOnce();
    const logged = api.log.lines.find((line) => line.msg === "background step failed; retrying next tick");
    expect(logged).to.include({ level: "error", jobId });
    expect((logged?.error as { message: string }).message).to.contain("toBase58");
    expect(await api.redis.zrange(`${api.prefix}jobs:unlocking`, 0, -1)).to.deep.equal([jobId]);
    expect(await api.redis.zscore(`${api.prefix}jobs:queued`, jobId)).to.equal(null);
  });

  it("40: the store writes several keys only in Lua scripts, each named <name>-<numKeys>.lua", () => {
    const writes = /redis\.(set|hset|hdel|del|zadd|zrem|sadd|srem|rpush|lpush|hincrby|incr|expire|pexpire|rename|hmset)\(/g;
    const direct: string[] = [];
    for (const file of readdirSync(STORE_DIR).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(join(STORE_DIR, file), "utf8");
      for (const match of source.matchAll(writes)) direct.push(`${file}:${match[1]}`);
    }
    // Each remaining direct write touches exactly one key.
    // (verification.ts: the release hand-over leaving its queue, a leftover queue entry dropped;
    // runs.ts: the settlement hand-over leaving its queue, a queue entry of a vanished checkpoint dropped.)
    expect(direct.sort()).to.deep.equal([
      "jobs.ts:zrem",
      "nonces.ts:set",
      "quotes.ts:set",
      "runs.ts:zrem",
      "runs.ts:zrem",
      "verification.ts:zrem",
      "verification.ts:zrem",
    ]);
    for (const file of readdirSync(join(STORE_DIR, "lua"))) {
      const match = /^[a-z-]+-(\d+)\.lua$/.exec(file);
      expect(match, file).to.not.equal(null);
      const lua = readFileSync(join(STORE_DIR, "lua", file), "utf8");
      const used = Math.max(...[...lua.matchAll(/KEYS\[(\d+)\]/g)].map((key) => Number(key[1])));
      expect(used, `${file} uses KEYS[1..${used}]`).to.equal(Number(match![1]));
    }
  });

  it("40: a refused script call writes nothing (checks come before the first write)", async () => {
    const jobId = await submitJob(api, client);
    const before = await snapshot(api.redis, api.prefix);
    const job = await api.service.store.jobs.get(jobId);
    const stranger = Keypair.generate().publicKey.toBase58();
    expect(await api.service.store.offers.reserve(job!, stranger, api.clock.now(), api.clock.now() + 1)).to.equal("node-unavailable");
    expect(await api.service.store.offers.reserve({ ...job!, version: 7 }, stranger, api.clock.now(), 1)).to.equal("stale");
    expect(await api.service.store.leases.expireOffer(jobId, api.clock.now())).to.equal("gone");
    expect(await api.service.store.offers.publish(jobId, stranger, "{}", "ab".repeat(32))).to.equal(false);
    expect(await scanKeys(api.redis, `${api.prefix}node:`)).to.deep.equal([]);
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });
});
