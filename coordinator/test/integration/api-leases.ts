/**
 * The lease watchdog and the dispatcher: a silent node loses its job after
 * missesBeforeOffline × intervalMs (security test 33), a flapping node never gets one
 * job twice (34), offers expire, escrows are unlocked through Settlement before a job
 * is matched again, and the last allowed loss refunds. Time is the test clock; loop
 * ticks are run by hand.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { newJobState, transitionOrThrow } from "../../src/domain/job-state";
import { createService } from "../../src/service";
import {
  type Api,
  call,
  errorOf,
  heartbeat,
  jobTokenOf,
  registerNode,
  snapshot,
  startApi,
  submitJob,
  WEIGHTS_CID,
} from "../harness/api-harness";

const LEASE_MS = 3 * 1_000; // missesBeforeOffline × intervalMs of the test config

describe("api: leases, offers and reassignment", () => {
  let api: Api;
  let client: Keypair;
  let first: Keypair;
  let second: Keypair;
  beforeEach(async () => {
    api = await startApi();
    client = Keypair.generate();
    first = Keypair.generate();
    second = Keypair.generate();
  });
  afterEach(() => api.close());

  const job = async (jobId: string) => (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client })).body;
  const tick = async () => {
    await api.service.watchdog.runOnce();
    await api.service.dispatcher.runOnce();
  };
  /** Submits a job and lets `node` take it: offered by the dispatcher, accepted by heartbeat. */
  const running = async (node: Keypair): Promise<string> => {
    await registerNode(api, node);
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    const accepted = await heartbeat(api, node, { jobId });
    expect(accepted.body.jobStatus, accepted.text).to.equal("running");
    return jobId;
  };

  it("33: a node that stops heartbeating loses its job after the lease, and the escrow is unlocked", async () => {
    const jobId = await running(first);
    api.clock.advance(LEASE_MS - 1);
    await tick();
    expect((await job(jobId)).status, "still within the lease").to.equal("running");

    api.clock.advance(2);
    await api.service.watchdog.runOnce();
    const lost = await job(jobId);
    expect(lost).to.include({ status: "queued", nodeId: null, attempts: 1 });
    expect(lost.excludedNodes).to.deep.equal([first.publicKey.toBase58()]);
    const last = (lost.history as Record<string, unknown>[]).at(-1);
    expect(last).to.include({ from: "running", to: "queued", event: "node-lost", reason: "node-lost", instruction: "unlock_escrow" });
    expect(api.settlement.unlocks.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    expect(await api.redis.zscore(`${api.prefix}jobs:queued`, jobId), "matchable again once unlocked").to.not.equal(null);
    const node = await registerNode(api, first);
    expect(node.body).to.include({ state: "online", jobId: null });
  });

  it("33: the lost node's late heartbeat (409 NOT_ASSIGNED) and late completion with its stale token (403 BAD_JOB_TOKEN) change nothing", async () => {
    const jobId = await running(first);
    const staleToken = await jobTokenOf(api, jobId);
    api.clock.advance(LEASE_MS + 1);
    await api.service.watchdog.runOnce();

    const before = await snapshot(api.redis, api.prefix);
    const lateBeat = await heartbeat(api, first, { jobId, progress: 0.9 });
    expect(lateBeat.status).to.equal(409);
    expect(errorOf(lateBeat).code).to.equal("NOT_ASSIGNED");
    const lateReport = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: first,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: "ab".repeat(32), jobToken: staleToken },
    });
    expect(lateReport.status, lateReport.text).to.equal(403);
    expect(errorOf(lateReport)).to.include({ code: "BAD_JOB_TOKEN", field: "jobToken" });
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);

    // Beating without the job brings the node back and tells it to drop the job.
    const back = await heartbeat(api, first);
    expect(back.body.cancel).to.deep.include({ jobId });
  });

  it("33: a report from the node that holds the job moves it to verifying; a lost node's never does", async () => {
    const jobId = await running(first);
    const report = {
      weightsCid: WEIGHTS_CID,
      weightsSha256: "cd".repeat(32),
      metrics: { loss: 0.12 },
      jobToken: await jobTokenOf(api, jobId),
    };
    const reply = await call(api, "POST", `/v1/jobs/${jobId}/report`, { signer: first, body: report });
    expect(reply.status, reply.text).to.equal(202);
    expect(await job(jobId)).to.include({ status: "verifying" });
    expect((await job(jobId)).proof).to.deep.equal({ weightsCid: WEIGHTS_CID, weightsSha256: "cd".repeat(32) });
    expect(await api.redis.zrange(`${api.prefix}jobs:verifying`, 0, -1)).to.deep.equal([jobId]);
    const again = await call(api, "POST", `/v1/jobs/${jobId}/report`, { signer: first, body: report });
    expect(again.status, "the same report again is answered as done").to.equal(200);
    // Reported: the node is free and its lease running out costs the job nothing.
    api.clock.advance(LEASE_MS + 1);
    await api.service.watchdog.runOnce();
    expect(await job(jobId)).to.include({ status: "verifying", attempts: 0 });
  });

  it("33: the job is matched again only once its escrow is unlocked on chain", async () => {
    const jobId = await running(first);
    await registerNode(api, second);
    api.settlement.failure = new Error("rpc down");
    api.clock.advance(LEASE_MS + 1);
    await heartbeat(api, second);
    await tick();
    await tick();
    expect((await job(jobId)).status).to.equal("queued");
    expect(api.settlement.locks, "no lock while the unlock is pending").to.have.length(1);
    expect(api.log.lines.some((line) => line.msg === "background step failed; retrying next tick" && line.jobId === jobId)).to.equal(true);

    api.settlement.failure = null;
    await tick();
    expect(api.settlement.unlocks.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    expect(api.settlement.locks.map((lock) => lock.node)).to.deep.equal([first.publicKey.toBase58(), second.publicKey.toBase58()]);
    expect(await job(jobId)).to.include({ status: "offered", nodeId: second.publicKey.toBase58() });
  });

  it("34: a flapping node (online, offline, online) never holds one job twice", async () => {
    const jobId = await running(first);
    for (let flap = 0; flap < 3; flap++) {
      api.clock.advance(LEASE_MS + 1);
      await tick(); // offline: the job is taken, unlocked and requeued
      const back = await heartbeat(api, first); // online again, free
      expect(back.status).to.equal(200);
      await tick();
      expect(back.body.offer).to.equal(null);
      const offered = await heartbeat(api, first);
      expect(offered.body.offer, `flap ${flap}: never offered the job it lost`).to.equal(null);
      expect((await heartbeat(api, first, { jobId })).status).to.equal(409);
    }
    const stored = await api.service.store.jobs.get(jobId);
    expect(await api.service.store.offers.reserve(stored!, first.publicKey.toBase58(), api.clock.now(), api.clock.now() + 1)).to.equal(
      "node-excluded",
    );

    await registerNode(api, second);
    await tick();
    const view = await job(jobId);
    expect(view).to.include({ status: "offered", nodeId: second.publicKey.toBase58(), attempts: 1 });
    const holders = (view.history as { event: string; nodeId?: string }[])
      .filter((record) => record.event === "offer")
      .map((record) => record.nodeId);
    expect(holders).to.deep.equal([first.publicKey.toBase58(), second.publicKey.toBase58()]);
  });

  it("an offer not accepted by its deadline expires: the job is requeued after its unlock and the node excluded", async () => {
    await registerNode(api, first);
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    expect(await job(jobId)).to.include({ status: "offered" });
    await heartbeat(api, first); // sees the offer, never accepts
    api.clock.advance(api.config.matching.offerTimeoutMs);
    await heartbeat(api, first); // still alive
    await api.service.watchdog.runOnce();
    const view = await job(jobId);
    expect(view).to.include({ status: "queued", attempts: 0 });
    expect((view.history as Record<string, unknown>[]).at(-1)).to.include({ event: "offer-expired", reason: "offer-expired" });
    expect(view.excludedNodes).to.deep.equal([first.publicKey.toBase58()]);
    expect(api.settlement.unlocks.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    const node = await api.service.store.nodes.get(first.publicKey.toBase58());
    expect(node).to.include({ jobId: null, offersExpired: 1, online: true });
  });

  it("an offer whose escrow lock failed is never shown to the node and expires", async () => {
    await registerNode(api, first);
    const jobId = await submitJob(api, client);
    api.settlement.failure = new Error("lock refused");
    await api.service.dispatcher.runOnce();
    expect((await heartbeat(api, first)).body.offer).to.equal(null);
    api.settlement.failure = null;
    api.clock.advance(api.config.matching.offerTimeoutMs);
    await heartbeat(api, first);
    await api.service.watchdog.runOnce();
    expect(await job(jobId)).to.include({ status: "queued" });
    const node = await api.service.store.nodes.get(first.publicKey.toBase58());
    expect(node?.offersExpired, "an offer the node never saw does not count against it").to.equal(0);
  });

  it("the node loss that uses the last attempt refunds the job instead of requeueing it", async () => {
    await api.close();
    api = await startApi({ config: (config) => ({ ...config, matching: { ...config.matching, maxAttempts: 1 } }) });
    const jobId = await running(first);
    api.clock.advance(LEASE_MS + 1);
    await api.service.watchdog.runOnce();
    const view = await job(jobId);
    expect(view).to.include({ status: "refunding", attempts: 1 });
    expect((view.history as Record<string, unknown>[]).at(-1)).to.include({ reason: "max-attempts-reached", instruction: "refund_escrow" });
    expect(api.settlement.refunds.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    expect(await api.redis.zcard(`${api.prefix}jobs:refunding`), "handed over to settlement").to.equal(0);
  });

  it("the stored job after a node loss is the domain state machine's, field for field", async () => {
    const jobId = await running(first);
    api.clock.advance(LEASE_MS + 1);
    await api.service.watchdog.runOnce();
    const stored = await api.service.store.jobs.get(jobId);
    const at = stored!.state.history.map((record) => record.at);
    const nodeId = first.publicKey.toBase58();
    let expected = newJobState(jobId, at[0], 3);
    expected = transitionOrThrow(expected, { type: "offer", nodeId, at: at[1] });
    expected = transitionOrThrow(expected, { type: "accept", nodeId, at: at[2] });
    const lastSeen = new Date(at[2]).toISOString();
    expected = transitionOrThrow(expected, { type: "node-lost", nodeId, at: at[3], detail: `no heartbeat since ${lastSeen}` });
    expect(stored!.state).to.deep.equal(expected);
  });

  it("jobs go out most urgent first: a critical job before an older normal one", async () => {
    await registerNode(api, first);
    const normal = await submitJob(api, client);
    api.clock.advance(1_000);
    const critical = await submitJob(api, client, {
      model: { parameters: 1_000_000 },
      dataset: { tokens: 1_000_000 },
      epochs: 1,
      priority: "critical",
    });
    await api.service.dispatcher.runOnce();
    expect(await job(critical)).to.include({ status: "offered" });
    expect(await job(normal)).to.include({ status: "queued" });
  });

  it("a restarted coordinator gives every node a full lease before judging it", async () => {
    const jobId = await running(first);
    api.clock.advance(10 * LEASE_MS); // the coordinator was down: nobody could beat
    const restarted = createService({
      config: api.config,
      redis: api.redis,
      log: api.log,
      clock: api.clock.now,
      escrowVerifier: api.verifier,
      settlement: api.settlement,
    });
    await restarted.watchdog.runOnce();
    expect((await job(jobId)).status, "not lost for the coordinator's downtime").to.equal("running");
    api.clock.advance(LEASE_MS);
    await restarted.watchdog.runOnce();
    expect((await job(jobId)).status).to.equal("queued");
  });
});
