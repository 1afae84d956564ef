/**
 * The read API on a real redis-server with the API harness's fake chain ports:
 * GET /v1/jobs (the signing client's jobs, newest first, ?status and ?limit),
 * GET /v1/nodes, GET /v1/nodes/:id and GET /v1/stats, and the records behind them
 * written by the money scripts: the client index and the escrow held by submit-job,
 * earnings and settlements by the job-settled hook inside complete-intent.lua (here
 * driven through the real IntentStore, as the chain side calls it). Bad input is a
 * 400 naming the field and changes nothing; an unknown node is 404.
 */
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";

import { releaseSplit, split } from "@cyxwiz/sdk/split";
import { encodeRequest, IntentStore, type SettlementOutcome, type SettlementRequest } from "../../src/chain";
import { JOB_STATUSES } from "../../src/domain/job-state";
import type { ProofVerdict } from "../../src/domain/proof-verdict";
import { jobSettledHook } from "../../src/wiring/job-settled";
import { type Api, call, errorOf, heartbeat, registerNode, snapshot, startApi, submitJob, WEIGHTS_CID } from "../harness/api-harness";

const SHA = "ab".repeat(32);
const VERIFIED: ProofVerdict = { outcome: "verified", sha256: SHA, bytes: 1_000, metrics: { reevaluated: false, why: "test" } };
const REJECTED: ProofVerdict = { outcome: "rejected", reason: "hash-mismatch", detail: "test", attempt: 1 };

type View = Record<string, unknown>;

describe("api: read endpoints, earnings and settlements", function () {
  this.timeout(30_000);
  let api: Api;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  const store = () => api.service.store;
  const wallet = (keypair: Keypair) => keypair.publicKey.toBase58();

  async function jobsOf(client: Keypair, query = ""): Promise<View[]> {
    const reply = await call(api, "GET", `/v1/jobs${query}`, { signer: client });
    expect(reply.status, reply.text).to.equal(200);
    return reply.body.jobs as View[];
  }

  /** Submits `count` jobs for `client`, one second apart; returns their ids oldest first. */
  async function submitted(client: Keypair, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(await submitJob(api, client));
      api.clock.advance(1_000);
    }
    return ids;
  }

  /** `jobId` offered to `node`, accepted and reported: verifying. */
  async function reported(node: Keypair): Promise<void> {
    await api.service.dispatcher.runOnce();
    const beat = await heartbeat(api, node);
    const { jobId, jobToken } = beat.body.offer as { jobId: string; jobToken: string };
    expect((await heartbeat(api, node, { jobId })).body.jobStatus).to.equal("running");
    const reply = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: node,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: SHA, jobToken },
    });
    expect(reply.status, reply.text).to.equal(202);
  }

  async function verdict(jobId: string, proof: ProofVerdict): Promise<void> {
    const job = await store().jobs.get(jobId);
    if (job === null) expect.fail("no job");
    expect(await store().verification.record(job, proof, api.clock.now())).to.deep.include({ kind: "recorded" });
  }

  /** The chain side confirming `request` for `jobId`: open the intent, then complete it with the hook's writes. */
  async function confirm(jobId: string, request: SettlementRequest, signature: string): Promise<boolean> {
    const job = await store().jobs.get(jobId);
    if (job === null) expect.fail("no job");
    const intents = new IntentStore(api.redis, api.prefix);
    const now = api.clock.now();
    const args = encodeRequest(new PublicKey(job.escrow), request);
    const { intent } = await intents.open({ jobId, action: request.action, args, signed: null, escrowAttempt: 0, now });
    const hook = jobSettledHook({ store: store(), log: api.log, clock: api.clock.now });
    const outcome: SettlementOutcome = {
      jobId,
      seq: intent.seq,
      action: request.action,
      state: "confirmed",
      via: "transaction",
      signature,
      signatures: [signature],
      attempts: 1,
      error: null,
      detail: null,
    };
    const completion = { state: "confirmed" as const, via: "transaction" as const, landedSignature: signature, error: null, detail: null };
    const done = await intents.complete(intent, completion, await hook(outcome), now);
    // The same landing observed again (another process, a restart) records nothing more.
    expect(await intents.complete(intent, completion, await hook(outcome), now)).to.equal(false);
    return done;
  }

  describe("GET /v1/jobs", () => {
    it("lists the caller's jobs newest first, in the GET /v1/jobs/:id view, and nobody else's", async () => {
      const alice = Keypair.generate();
      const bob = Keypair.generate();
      const ids = await submitted(alice, 3);
      const [bobs] = await submitted(bob, 1);
      const listed = await jobsOf(alice);
      expect(listed.map((job) => job.jobId)).to.deep.equal([...ids].reverse());
      const single = await call(api, "GET", `/v1/jobs/${ids[2]}`, { signer: alice });
      expect(listed[0]).to.deep.equal(single.body);
      expect((await jobsOf(bob)).map((job) => job.jobId)).to.deep.equal([bobs]);
      expect(await jobsOf(Keypair.generate())).to.deep.equal([]);
    });

    it("?limit keeps the newest; ?status filters before limiting", async () => {
      const client = Keypair.generate();
      const node = Keypair.generate();
      const ids = await submitted(client, 4);
      await registerNode(api, node);
      await api.service.dispatcher.runOnce();
      const offered = (await store().jobs.get(ids[0]))?.state.status === "offered" ? ids[0] : null;
      expect(offered, "the oldest job is matched first").to.equal(ids[0]);

      expect((await jobsOf(client, "?limit=2")).map((job) => job.jobId)).to.deep.equal([ids[3], ids[2]]);
      expect((await jobsOf(client, "?status=offered")).map((job) => job.jobId)).to.deep.equal([ids[0]]);
      expect((await jobsOf(client, "?status=queued&limit=2")).map((job) => job.jobId)).to.deep.equal([ids[3], ids[2]]);
      expect((await jobsOf(client, "?status=queued&limit=200")).map((job) => job.jobId)).to.deep.equal([ids[3], ids[2], ids[1]]);
      expect(await jobsOf(client, "?status=released")).to.deep.equal([]);
    });

    it("unsigned → 401; bad limit or status → 400 naming the field; nothing changes", async () => {
      const client = Keypair.generate();
      await submitted(client, 1);
      const before = await snapshot(api.redis, api.prefix);
      const unsigned = await call(api, "GET", "/v1/jobs");
      expect(unsigned.status).to.equal(401);
      expect(errorOf(unsigned).code).to.equal("MISSING_HEADER");
      const cases: Array<[string, string]> = [
        ["?limit=0", "limit"],
        ["?limit=201", "limit"],
        ["?limit=abc", "limit"],
        ["?limit=1.5", "limit"],
        ["?limit=-3", "limit"],
        ["?limit=1&limit=2", "limit"],
        ["?status=done", "status"],
        ["?status=QUEUED", "status"],
        ["?page=2", "page"],
      ];
      for (const [query, field] of cases) {
        const reply = await call(api, "GET", `/v1/jobs${query}`, { signer: client });
        expect(reply.status, query).to.equal(400);
        expect(errorOf(reply), query).to.include({ code: "INVALID_FIELD", field });
      }
      const status = await call(api, "GET", "/v1/jobs?status=done", { signer: client });
      expect(errorOf(status).message).to.include("queued, offered, running");
      expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
    });
  });

  describe("GET /v1/nodes, /v1/nodes/:id", () => {
    it("lists every node in the node view with zero earnings until paid; one node with its empty history", async () => {
      const a = Keypair.generate();
      const b = Keypair.generate();
      const registered = await registerNode(api, a);
      api.clock.advance(10);
      await registerNode(api, b, { gpuModel: "RTX_4090", vramGb: 24, priceFloor: "5000" });
      await heartbeat(api, b);
      const list = await call(api, "GET", "/v1/nodes");
      expect(list.status).to.equal(200);
      const nodes = list.body.nodes as View[];
      expect(nodes.map((node) => node.nodeId)).to.deep.equal([wallet(a), wallet(b)]);
      expect(nodes[0]).to.deep.include({ gpuModel: "RTX_3060", nodeClass: "tier3", state: "online", earnings: { total: "0", jobs: 0 } });
      expect(nodes[1]).to.deep.include({ gpuModel: "RTX_4090", nodeClass: "tier4", priceFloor: "5000", earnings: { total: "0", jobs: 0 } });
      expect(Object.keys(nodes[0]).sort()).to.deep.equal([...Object.keys(registered.body), "earnings"].sort());

      const one = await call(api, "GET", `/v1/nodes/${wallet(b)}`);
      expect(one.status).to.equal(200);
      expect(one.body).to.deep.include({ nodeId: wallet(b), earnings: { total: "0", jobs: 0, history: [] } });
    });

    it("unknown node → 404 UNKNOWN_NODE; a malformed id or a query → 400", async () => {
      const unknown = await call(api, "GET", `/v1/nodes/${wallet(Keypair.generate())}`);
      expect(unknown.status).to.equal(404);
      expect(errorOf(unknown).code).to.equal("UNKNOWN_NODE");
      for (const path of ["/v1/nodes/not-a-key", "/v1/nodes/heartbeat", `/v1/nodes/${"1".repeat(44)}`, "/v1/nodes?state=online"]) {
        const reply = await call(api, "GET", path);
        expect(reply.status, path).to.equal(400);
        expect(errorOf(reply).code, path).to.equal("INVALID_FIELD");
      }
    });
  });

  describe("earnings, settlements and GET /v1/stats", () => {
    it("a release credits the node 90% and records the settlement 90/10; a refund pays nobody; each exactly once", async () => {
      const client = Keypair.generate();
      const node = Keypair.generate();
      await registerNode(api, node);
      const [paid, refunded, open] = await submitted(client, 3);
      const amount = BigInt(((await jobsOf(client)).find((job) => job.jobId === paid)?.escrow as { amount: string }).amount);

      const empty = (await call(api, "GET", "/v1/stats")).body;
      expect(empty.escrow).to.deep.equal({ held: String(3n * amount), openJobs: 3 });
      expect(empty.jobs).to.deep.equal({ byStatus: { ...Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])), queued: 3 }, total: 3 });

      await reported(node);
      await verdict(paid, VERIFIED);
      api.clock.advance(1_000);
      expect(await confirm(paid, { action: "release", proofHash: Buffer.from(SHA, "hex") }, "sigRelease")).to.equal(true);
      const releasedAt = api.clock.now();

      await heartbeat(api, node); // free again after its report
      await reported(node);
      await verdict(refunded, REJECTED);
      api.clock.advance(1_000);
      expect(await confirm(refunded, { action: "refund" }, "sigRefund")).to.equal(true);
      const refundedAt = api.clock.now();

      const { node: nodeShare, platform } = releaseSplit(amount, 1_000);
      expect(nodeShare).to.equal(amount - amount / 10n);
      const detail = (await call(api, "GET", `/v1/nodes/${wallet(node)}`)).body;
      expect(detail.earnings).to.deep.equal({
        total: nodeShare.toString(),
        jobs: 1,
        history: [{ jobId: paid, outcome: "released", amount: nodeShare.toString(), signature: "sigRelease", at: releasedAt }],
      });
      const listed = (await call(api, "GET", "/v1/nodes")).body.nodes as View[];
      expect(listed[0].earnings).to.deep.equal({ total: nodeShare.toString(), jobs: 1 });

      const stats = (await call(api, "GET", "/v1/stats")).body;
      expect(stats.jobs).to.deep.equal({
        byStatus: { ...Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])), queued: 1, released: 1, refunded: 1 },
        total: 3,
      });
      expect(stats.escrow, "only the open job's amount is still held").to.deep.equal({ held: amount.toString(), openJobs: 1 });
      expect(stats.nodes).to.deep.equal({ online: 1, busy: 0, offline: 0, total: 1 });
      expect(stats.settlements).to.deep.equal([
        {
          jobId: refunded,
          outcome: "refunded",
          amount: amount.toString(),
          nodeId: null,
          nodeAmount: "0",
          platformFee: "0",
          clientRefund: amount.toString(),
          signature: "sigRefund",
          at: refundedAt,
        },
        {
          jobId: paid,
          outcome: "released",
          amount: amount.toString(),
          nodeId: wallet(node),
          nodeAmount: nodeShare.toString(),
          platformFee: platform.toString(),
          clientRefund: "0",
          signature: "sigRelease",
          at: releasedAt,
        },
      ]);
      expect(await store().jobs.get(open)).to.have.nested.property("state.status", "queued");
      expect((await jobsOf(client, "?status=released")).map((job) => job.jobId)).to.deep.equal([paid]);
    });

    it("a partial settlement credits the node its share minus the fee on it, by the intent's share", async () => {
      const client = Keypair.generate();
      const node = Keypair.generate();
      await registerNode(api, node);
      const [jobId] = await submitted(client, 1);
      await api.service.dispatcher.runOnce();
      expect((await heartbeat(api, node, { jobId })).body.jobStatus).to.equal("running");
      // Stand-in for the timeout path: the job moved to settling-partial at 37.5% as its script would.
      const key = `${api.prefix}job:${jobId}`;
      await api.redis
        .multi()
        .hset(key, "status", "settling-partial", "nodeShareBps", "3750")
        .hincrby(`${api.prefix}jobs:count`, "running", -1)
        .hincrby(`${api.prefix}jobs:count`, "settling-partial", 1)
        .exec();
      const job = await store().jobs.get(jobId);
      if (job === null) expect.fail("no job");
      expect(
        await confirm(jobId, { action: "settle-partial", nodeShareBps: 3_750, proofHash: Buffer.from(SHA, "hex") }, "sigSettle"),
      ).to.equal(true);

      const expected = split(job.amount, 3_750, 1_000);
      expect(expected.node + expected.platform + expected.payer).to.equal(job.amount);
      const detail = (await call(api, "GET", `/v1/nodes/${wallet(node)}`)).body;
      expect(detail.earnings).to.deep.include({ total: expected.node.toString(), jobs: 1 });
      const [record] = (await call(api, "GET", "/v1/stats")).body.settlements as View[];
      expect(record).to.deep.include({
        jobId,
        outcome: "settled",
        nodeId: wallet(node),
        nodeAmount: expected.node.toString(),
        platformFee: expected.platform.toString(),
        clientRefund: expected.payer.toString(),
      });
      expect((await call(api, "GET", "/v1/stats")).body.escrow).to.deep.equal({ held: "0", openJobs: 0 });
    });

    it("stats lists only the latest 20 settlements, newest first, and counts busy and offline nodes", async () => {
      const client = Keypair.generate();
      const ids = await submitted(client, 22);
      for (const jobId of ids) {
        // Stand-in for a cancellation: queued → refunding as its script would.
        await api.redis
          .multi()
          .hset(`${api.prefix}job:${jobId}`, "status", "refunding")
          .zrem(`${api.prefix}jobs:queued`, jobId)
          .hincrby(`${api.prefix}jobs:count`, "queued", -1)
          .hincrby(`${api.prefix}jobs:count`, "refunding", 1)
          .exec();
        api.clock.advance(5);
        expect(await confirm(jobId, { action: "refund" }, `sig-${jobId.slice(0, 6)}`)).to.equal(true);
      }
      const busy = Keypair.generate();
      const gone = Keypair.generate();
      await registerNode(api, busy);
      await registerNode(api, gone);
      await submitted(client, 1);
      await heartbeat(api, busy);
      await api.redis
        .multi()
        .hset(`${api.prefix}node:${wallet(gone)}`, "online", "0")
        .zrem(`${api.prefix}nodes:lease`, wallet(gone))
        .exec();
      await api.service.dispatcher.runOnce();
      const stats = (await call(api, "GET", "/v1/stats")).body;
      expect((stats.settlements as View[]).map((record) => record.jobId)).to.deep.equal(ids.slice(2).reverse());
      expect(stats.nodes).to.deep.equal({ online: 0, busy: 1, offline: 1, total: 2 });
      expect(stats.jobs).to.deep.include({ total: 23 });
    });
  });
});
