/**
 * POST /v1/jobs/:id/fail on real Redis (chain faked): a node gives up the job it runs
 * or was offered; the job leaves it at once like a lost node (unlocked by the watchdog,
 * node excluded, attempt counted, offered to another node; the maxAttempts-th refunds),
 * the history says node-abandoned with the node's reason, the node's record counts it.
 * Wrong or stale tokens 403, another node 409, bad bodies 400: nothing changes.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import {
  type Api,
  call,
  errorOf,
  runningJob,
  heartbeat,
  jobTokenOf,
  registerNode,
  type Reply,
  snapshot,
  startApi,
  submitJob,
} from "../harness/api-harness";

describe("api: a node gives up its job (POST /v1/jobs/:id/fail)", () => {
  let api: Api;
  let client: Keypair;
  let node: Keypair;
  let jobId: string;
  let token: string;
  beforeEach(async () => {
    api = await startApi();
    ({ client, node, jobId, token } = await runningJob(api));
  });
  afterEach(() => api.close());

  const fail = (body: unknown, signer = node, id = jobId): Promise<Reply> => call(api, "POST", `/v1/jobs/${id}/fail`, { signer, body });
  type History = Array<Record<string, unknown> & { detail?: string }>;
  const view = async () =>
    (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client })).body as { status: string; attempts: number; history: History };

  it("202: the running job is queued for its unlock at once, history node-abandoned with the reason; unlocked, then offered to another node, never to this one", async () => {
    const reply = await fail({ jobToken: token, reason: "the dataset is not cyxwiz-tabular@1", fault: "job" });
    expect(reply.status, reply.text).to.equal(202);
    expect(reply.body).to.deep.equal({ jobId, status: "queued" });
    const job = await view();
    expect(job.status).to.equal("queued");
    expect(job.attempts).to.equal(1);
    const last = job.history[job.history.length - 1];
    expect(last).to.include({
      from: "running",
      to: "queued",
      event: "abandon",
      reason: "node-abandoned",
      nodeId: node.publicKey.toBase58(),
      instruction: "unlock_escrow",
      fault: "job",
    });
    expect(last.detail).to.contain("the dataset is not cyxwiz-tabular@1");
    const stored = await api.service.store.nodes.get(node.publicKey.toBase58());
    expect(stored).to.include({ jobId: null, online: true, jobsAccepted: 1, jobsAbandoned: 1 });

    // Not matchable before its escrow is unlocked; the watchdog unlocks it.
    await api.service.dispatcher.runOnce();
    expect(api.settlement.locks).to.have.length(1);
    await api.service.watchdog.runOnce();
    expect(api.settlement.unlocks.map((ref) => ref.jobId)).to.deep.equal([jobId]);

    // The node that gave up is free but excluded; another node gets the job.
    await api.service.dispatcher.runOnce();
    expect(api.settlement.locks).to.have.length(1);
    expect((await heartbeat(api, node)).body.offer ?? null).to.equal(null);
    const other = Keypair.generate();
    await registerNode(api, other);
    await api.service.dispatcher.runOnce();
    expect(api.settlement.locks.map((lock) => lock.node)).to.deep.equal([node.publicKey.toBase58(), other.publicKey.toBase58()]);
    expect(((await heartbeat(api, other)).body.offer as { jobId: string }).jobId).to.equal(jobId);

    // The old token is dead now.
    const again = await fail({ jobToken: token, reason: "again" });
    expect(again.status).to.equal(403);
    expect(errorOf(again).code).to.equal("BAD_JOB_TOKEN");
  });

  it("an offered node may give up before accepting: counted as an expired offer, not an abandoned job", async () => {
    const offeredId = await submitJob(api, client);
    const second = Keypair.generate();
    await registerNode(api, second);
    await api.service.dispatcher.runOnce();
    const offerToken = await jobTokenOf(api, offeredId);
    const reply = await fail({ jobToken: offerToken, reason: "spec mismatch found after the offer" }, second, offeredId);
    expect(reply.status, reply.text).to.equal(202);
    expect(reply.body).to.deep.equal({ jobId: offeredId, status: "queued" });
    const stored = await api.service.store.nodes.get(second.publicKey.toBase58());
    expect(stored).to.include({ jobId: null, jobsAccepted: 0, jobsAbandoned: 0, offersExpired: 1 });
    expect((await api.service.store.jobs.get(offeredId))?.state).to.include({ status: "queued", attempts: 1, nodeId: null });
  });

  it("the maxAttempts-th give-up refunds (handed to settlement by the watchdog)", async () => {
    // maxAttempts is 3: two more nodes take the job and give it up.
    let current = { node, token };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const reply = await fail({ jobToken: current.token, reason: `attempt ${attempt} failed` }, current.node);
      expect(reply.status, reply.text).to.equal(202);
      expect(reply.body.status).to.equal(attempt < 3 ? "queued" : "refunding");
      await api.service.watchdog.runOnce();
      if (attempt === 3) break;
      const next = Keypair.generate();
      await registerNode(api, next);
      await api.service.dispatcher.runOnce();
      expect((await heartbeat(api, next, { jobId })).body.jobStatus).to.equal("running");
      current = { node: next, token: await jobTokenOf(api, jobId) };
    }
    expect(api.settlement.unlocks.map((ref) => ref.jobId)).to.deep.equal([jobId, jobId]);
    expect(api.settlement.refunds.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    const job = await view();
    expect(job.status).to.equal("refunding");
    expect(job.history[job.history.length - 1]).to.include({ reason: "node-abandoned", instruction: "refund_escrow" });
    expect(job.history[job.history.length - 1].detail).to.contain("attempt 3 of 3");
  });

  const table: Array<{ name: string; body: () => unknown; field: string }> = [
    { name: "no jobToken", body: () => ({ reason: "x" }), field: "jobToken" },
    { name: "no reason", body: () => ({ jobToken: token }), field: "reason" },
    { name: "an empty reason", body: () => ({ jobToken: token, reason: "" }), field: "reason" },
    { name: "a reason of spaces", body: () => ({ jobToken: token, reason: "   " }), field: "reason" },
    { name: "a reason over 500 characters", body: () => ({ jobToken: token, reason: "x".repeat(501) }), field: "reason" },
    { name: "an unknown fault", body: () => ({ jobToken: token, reason: "x", fault: "client" }), field: "fault" },
    { name: "an unknown field", body: () => ({ jobToken: token, reason: "x", retry: true }), field: "retry" },
  ];
  for (const row of table) {
    it(`400: ${row.name} is INVALID_FIELD ${row.field}; nothing changes`, async () => {
      const before = await snapshot(api.redis, api.prefix);
      const reply = await fail(row.body());
      expect(reply.status, reply.text).to.equal(400);
      expect(errorOf(reply)).to.include({ code: "INVALID_FIELD", field: row.field });
      expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
    });
  }

  it("403 BAD_JOB_TOKEN for a wrong token, 409 NOT_ASSIGNED for another node with the right one, 404 for an unknown job; nothing changes", async () => {
    const other = Keypair.generate();
    await registerNode(api, other);
    const before = await snapshot(api.redis, api.prefix);
    const wrong = await fail({ jobToken: "cd".repeat(32), reason: "x" });
    expect(wrong.status).to.equal(403);
    expect(errorOf(wrong)).to.include({ code: "BAD_JOB_TOKEN", field: "jobToken" });
    const notMine = await fail({ jobToken: token, reason: "x" }, other);
    expect(notMine.status).to.equal(409);
    expect(errorOf(notMine).code).to.equal("NOT_ASSIGNED");
    const unknown = await fail({ jobToken: token, reason: "x" }, node, "ee".repeat(32));
    expect(unknown.status).to.equal(404);
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });

  it("a stale token from before the node lost the job is 403; a reported job is 409 JOB_NOT_RUNNING", async () => {
    const report = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: node,
      body: { weightsCid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", weightsSha256: "ab".repeat(32), jobToken: token },
    });
    expect(report.status, report.text).to.equal(202);
    const before = await snapshot(api.redis, api.prefix);
    const late = await fail({ jobToken: token, reason: "too late" });
    expect(late.status).to.equal(409);
    expect(errorOf(late).code).to.equal("JOB_NOT_RUNNING");
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);

    // The node is free again after its report: it is offered the next job, goes silent and loses it.
    const lostId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    const offered = await api.service.store.jobs.get(lostId);
    expect(offered?.state.nodeId).to.equal(node.publicKey.toBase58());
    const lostToken = await jobTokenOf(api, lostId);
    api.clock.advance(3_001);
    await api.service.watchdog.runOnce();
    expect((await api.service.store.jobs.get(lostId))?.state.status).to.equal("queued");
    const stale = await fail({ jobToken: lostToken, reason: "x" }, node, lostId);
    expect(stale.status).to.equal(403);
    expect(errorOf(stale).code).to.equal("BAD_JOB_TOKEN");
  });
});
